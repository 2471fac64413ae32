CREATE TYPE "public"."rollout_status" AS ENUM('running', 'paused', 'completed', 'aborted', 'rolled_back');--> statement-breakpoint
CREATE TABLE "rollout_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"domain" text NOT NULL,
	"steps" integer[] NOT NULL,
	"hold_seconds" integer[] NOT NULL,
	"current_step" integer DEFAULT 0 NOT NULL,
	"status" "rollout_status" DEFAULT 'running' NOT NULL,
	"step_started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollout_steps_match_holds" CHECK (cardinality("rollout_plans"."steps") = cardinality("rollout_plans"."hold_seconds"))
);
--> statement-breakpoint
CREATE TABLE "slo_policies" (
	"domain" text PRIMARY KEY NOT NULL,
	"max_error_rate" double precision DEFAULT 0.05 NOT NULL,
	"max_p99_ms" integer DEFAULT 500 NOT NULL,
	"min_requests" integer DEFAULT 20 NOT NULL,
	"window_seconds" integer DEFAULT 10 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text DEFAULT 'system' NOT NULL,
	CONSTRAINT "slo_error_rate_range" CHECK ("slo_policies"."max_error_rate" between 0 and 1),
	CONSTRAINT "slo_window_range" CHECK ("slo_policies"."window_seconds" between 1 and 60)
);
--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "parity_min_percent" double precision DEFAULT 99 NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "parity_min_samples" integer DEFAULT 200 NOT NULL;--> statement-breakpoint
ALTER TABLE "rollout_plans" ADD CONSTRAINT "rollout_plans_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slo_policies" ADD CONSTRAINT "slo_policies_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rollout_plans_one_active" ON "rollout_plans" USING btree ("domain") WHERE "rollout_plans"."status" in ('running', 'paused');--> statement-breakpoint
CREATE INDEX "rollout_plans_domain_created" ON "rollout_plans" USING btree ("domain","created_at");