-- Change capture for the data sync (docs/decisions/0011-data-sync.md): every committed change of
-- a synced table lands in sync_changes with its transaction id, so the sync worker reads only
-- what is committed (xid below the oldest running transaction) in id order. The sync applier
-- sets keiko.sync_origin = 'sync' on its own transactions: those writes are not captured, so
-- nothing echoes back to the side it came from.
CREATE TABLE "sync_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"xid" xid8 DEFAULT pg_current_xact_id() NOT NULL,
	"table_name" text NOT NULL,
	"op" text NOT NULL,
	"row_key" jsonb NOT NULL,
	"row_image" jsonb,
	"origin" text NOT NULL,
	"captured_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "sync_changes_op" CHECK ("op" in ('upsert', 'delete'))
);
--> statement-breakpoint
CREATE INDEX "sync_changes_table_key" ON "sync_changes" USING btree ("table_name", "row_key");
--> statement-breakpoint
CREATE FUNCTION "keiko_capture_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	origin text := coalesce(nullif(current_setting('keiko.sync_origin', true), ''), 'client');
	image jsonb;
	row_key jsonb := '{}'::jsonb;
	key_column text;
BEGIN
	IF origin = 'sync' THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		image := to_jsonb(OLD);
	ELSE
		image := to_jsonb(NEW);
	END IF;
	FOREACH key_column IN ARRAY TG_ARGV LOOP
		row_key := row_key || jsonb_build_object(key_column, image -> key_column);
	END LOOP;
	INSERT INTO "sync_changes" ("table_name", "op", "row_key", "row_image", "origin")
	VALUES (
		TG_TABLE_NAME,
		CASE WHEN TG_OP = 'DELETE' THEN 'delete' ELSE 'upsert' END,
		row_key,
		CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE image END,
		origin
	);
	PERFORM pg_notify('keiko_sync_changes', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "proposals_capture" AFTER INSERT OR UPDATE OR DELETE ON "proposals"
	FOR EACH ROW EXECUTE FUNCTION "keiko_capture_change"('id');
--> statement-breakpoint
ALTER TABLE "proposals" ENABLE ALWAYS TRIGGER "proposals_capture";
--> statement-breakpoint
CREATE TRIGGER "votes_capture" AFTER INSERT OR UPDATE OR DELETE ON "votes"
	FOR EACH ROW EXECUTE FUNCTION "keiko_capture_change"('proposal_id', 'voter_id');
--> statement-breakpoint
ALTER TABLE "votes" ENABLE ALWAYS TRIGGER "votes_capture";
