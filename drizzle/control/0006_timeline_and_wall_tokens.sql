CREATE TABLE "timeline_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"domain" text,
	"severity" text DEFAULT 'info' NOT NULL,
	"summary" text NOT NULL,
	"source" text NOT NULL,
	"details" jsonb,
	"trace_id" text
);
--> statement-breakpoint
CREATE TABLE "wall_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "wall_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "trace_id" text;--> statement-breakpoint
CREATE INDEX "timeline_events_at" ON "timeline_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "timeline_events_domain_at" ON "timeline_events" USING btree ("domain","at");--> statement-breakpoint
CREATE INDEX "timeline_events_kind_at" ON "timeline_events" USING btree ("kind","at");--> statement-breakpoint
CREATE INDEX "wall_tokens_created_at" ON "wall_tokens" USING btree ("created_at");--> statement-breakpoint
CREATE TRIGGER timeline_events_append_only BEFORE UPDATE OR DELETE ON timeline_events
  FOR EACH ROW EXECUTE FUNCTION reject_history_rewrite();
