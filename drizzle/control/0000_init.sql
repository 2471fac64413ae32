CREATE TYPE "public"."migration_state" AS ENUM('legacy', 'shadow', 'canary', 'migrated');--> statement-breakpoint
CREATE TYPE "public"."operator_role" AS ENUM('viewer', 'operator', 'admin');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domains" (
	"name" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"path_prefix" text NOT NULL,
	"legacy_url" text NOT NULL,
	"service_url" text NOT NULL,
	"state" "migration_state" DEFAULT 'legacy' NOT NULL,
	"canary_weight" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text DEFAULT 'system' NOT NULL,
	CONSTRAINT "domains_path_prefix_unique" UNIQUE("path_prefix"),
	CONSTRAINT "domains_weight_range" CHECK ("domains"."canary_weight" between 0 and 100),
	CONSTRAINT "domains_weight_matches_state" CHECK (("domains"."state" in ('legacy', 'shadow') and "domains"."canary_weight" = 0)
        or ("domains"."state" = 'canary' and "domains"."canary_weight" between 1 and 100)
        or ("domains"."state" = 'migrated' and "domains"."canary_weight" = 100))
);
--> statement-breakpoint
CREATE TABLE "migration_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"from_state" "migration_state" NOT NULL,
	"to_state" "migration_state" NOT NULL,
	"from_weight" integer NOT NULL,
	"to_weight" integer NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"password_hash" text,
	"role" "operator_role" DEFAULT 'viewer' NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	CONSTRAINT "operators_username_unique" UNIQUE("username")
);
--> statement-breakpoint
ALTER TABLE "migration_events" ADD CONSTRAINT "migration_events_domain_domains_name_fk" FOREIGN KEY ("domain") REFERENCES "public"."domains"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_actor_at" ON "audit_log" USING btree ("actor","at");--> statement-breakpoint
CREATE INDEX "audit_log_action_at" ON "audit_log" USING btree ("action","at");--> statement-breakpoint
CREATE INDEX "migration_events_domain_at" ON "migration_events" USING btree ("domain","at");