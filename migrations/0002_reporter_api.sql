CREATE TABLE "pow_activity" (
	"minute" bigint PRIMARY KEY NOT NULL,
	"spent" integer NOT NULL,
	CONSTRAINT "pow_activity_spent_positive" CHECK ("pow_activity"."spent" > 0)
);
--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "header" "bytea" NOT NULL;