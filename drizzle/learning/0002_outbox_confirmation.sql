CREATE TABLE "redis_generations" (
	"prefix" text NOT NULL,
	"generation" text NOT NULL,
	"previous_generation" text,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dead_letters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dead_letters_at" timestamp with time zone,
	"lost_dead_letters" integer,
	"requeued" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "redis_generations_pkey" PRIMARY KEY("prefix","generation")
);
--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "stream_id" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "redis_generation" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "confirmed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_unconfirmed" ON "outbox" USING btree ("aggregate_type","redis_generation","stream_id") WHERE "outbox"."sent_at" is not null and "outbox"."confirmed_at" is null;--> statement-breakpoint
-- Rows sent before delivery was tracked count as confirmed: they are not sent again.
UPDATE "outbox" SET "confirmed_at" = "sent_at" WHERE "sent_at" IS NOT NULL;