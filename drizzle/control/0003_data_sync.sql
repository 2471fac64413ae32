CREATE TABLE "data_backfills" (
	"domain" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'not_started' NOT NULL,
	"phase" text,
	"last_key" jsonb,
	"rows_copied" bigint DEFAULT 0 NOT NULL,
	"rows_total" bigint DEFAULT 0 NOT NULL,
	"rows_per_second" double precision DEFAULT 0 NOT NULL,
	"throttle_rows_per_second" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text DEFAULT 'system' NOT NULL,
	CONSTRAINT "data_backfills_status" CHECK ("data_backfills"."status" in ('not_started', 'running', 'paused', 'complete'))
);
--> statement-breakpoint
CREATE TABLE "data_conflicts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"table_name" text NOT NULL,
	"row_key" jsonb NOT NULL,
	"winner" text NOT NULL,
	"legacy_image" jsonb,
	"service_image" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"direction" text NOT NULL,
	"table_name" text NOT NULL,
	"row_key" jsonb NOT NULL,
	"op" text NOT NULL,
	"row_image" jsonb,
	"error" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "data_sync_status" (
	"domain" text NOT NULL,
	"direction" text NOT NULL,
	"pending" bigint DEFAULT 0 NOT NULL,
	"applied_total" bigint DEFAULT 0 NOT NULL,
	"lag_ms" integer DEFAULT 0 NOT NULL,
	"oldest_pending_ms" integer DEFAULT 0 NOT NULL,
	"last_applied_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	CONSTRAINT "data_sync_status_domain_direction_pk" PRIMARY KEY("domain","direction")
);
--> statement-breakpoint
CREATE TABLE "data_verifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"status" text DEFAULT 'requested' NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"rows_compared" bigint DEFAULT 0 NOT NULL,
	"chunks" integer DEFAULT 0 NOT NULL,
	"chunks_mismatched" integer DEFAULT 0 NOT NULL,
	"differences" integer DEFAULT 0 NOT NULL,
	"details" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "data_max_lag_ms" integer DEFAULT 2000 NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "data_verification_max_age_seconds" integer DEFAULT 900 NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "write_fence" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "data_backfills" ADD CONSTRAINT "data_backfills_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_conflicts" ADD CONSTRAINT "data_conflicts_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_quarantine" ADD CONSTRAINT "data_quarantine_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_sync_status" ADD CONSTRAINT "data_sync_status_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_verifications" ADD CONSTRAINT "data_verifications_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "data_conflicts_domain_id" ON "data_conflicts" USING btree ("domain","id");--> statement-breakpoint
CREATE INDEX "data_quarantine_domain_status" ON "data_quarantine" USING btree ("domain","status","id");--> statement-breakpoint
CREATE INDEX "data_verifications_domain_id" ON "data_verifications" USING btree ("domain","id");