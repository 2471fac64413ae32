-- History cannot be rewritten by any code path: UPDATE, DELETE and TRUNCATE are rejected.
CREATE OR REPLACE FUNCTION reject_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION reject_history_rewrite();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION reject_history_rewrite();
--> statement-breakpoint
CREATE TRIGGER migration_events_append_only BEFORE UPDATE OR DELETE ON migration_events
  FOR EACH ROW EXECUTE FUNCTION reject_history_rewrite();
--> statement-breakpoint
CREATE TRIGGER migration_events_no_truncate BEFORE TRUNCATE ON migration_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_history_rewrite();
