CREATE TABLE "case_links" (
	"case_a" uuid NOT NULL,
	"case_b" uuid NOT NULL,
	CONSTRAINT "case_links_pk" PRIMARY KEY("case_a","case_b"),
	CONSTRAINT "case_links_ordered" CHECK ("case_links"."case_a" < "case_links"."case_b")
);
--> statement-breakpoint
CREATE TABLE "context_updates" (
	"seq" integer PRIMARY KEY NOT NULL,
	"statement" text NOT NULL,
	"signature" "bytea" NOT NULL,
	"overlay" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_state" (
	"name" text PRIMARY KEY NOT NULL,
	"done_through" date NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retire_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"desk_id" uuid NOT NULL,
	"from_version" integer NOT NULL,
	"to_version" integer NOT NULL,
	"cursor" uuid,
	"rewrapped" integer DEFAULT 0 NOT NULL,
	"started_by" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "retire_jobs_desk_version_unique" UNIQUE("desk_id","from_version"),
	CONSTRAINT "retire_jobs_versions" CHECK ("retire_jobs"."to_version" > "retire_jobs"."from_version")
);
--> statement-breakpoint
DROP INDEX "cases_desk_idx";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "closed_on" date;--> statement-breakpoint
ALTER TABLE "desks" ADD COLUMN "retention_days" integer;--> statement-breakpoint
ALTER TABLE "case_links" ADD CONSTRAINT "case_links_case_a_cases_id_fk" FOREIGN KEY ("case_a") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_links" ADD CONSTRAINT "case_links_case_b_cases_id_fk" FOREIGN KEY ("case_b") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "context_updates" ADD CONSTRAINT "context_updates_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retire_jobs" ADD CONSTRAINT "retire_jobs_desk_id_desks_id_fk" FOREIGN KEY ("desk_id") REFERENCES "public"."desks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retire_jobs" ADD CONSTRAINT "retire_jobs_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_links_b_idx" ON "case_links" USING btree ("case_b");--> statement-breakpoint
CREATE INDEX "cases_received_idx" ON "cases" USING btree ("received_on" DESC NULLS FIRST,"id");--> statement-breakpoint
CREATE INDEX "cases_priority_idx" ON "cases" USING btree ("priority" DESC NULLS FIRST,"received_on" DESC NULLS FIRST,"id");--> statement-breakpoint
CREATE INDEX "cases_queue_idx" ON "cases" USING btree ("desk_id","spam","status","received_on" DESC NULLS FIRST,"id","merged_into");