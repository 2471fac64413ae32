ALTER TABLE "passport_entries" ADD COLUMN "source_key" text;--> statement-breakpoint
ALTER TABLE "passport_entries" ADD CONSTRAINT "passport_entries_source_key_unique" UNIQUE("source_key");