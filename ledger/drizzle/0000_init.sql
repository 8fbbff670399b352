CREATE TABLE `billing_periods` (
	`month` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`closed_at` text,
	`closed_by` text
);
--> statement-breakpoint
CREATE TABLE `checkpoints` (
	`source` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`source`, `name`)
);
--> statement-breakpoint
CREATE TABLE `ingest_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`location` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text NOT NULL,
	`objects` integer DEFAULT 0 NOT NULL,
	`objects_skipped` integer DEFAULT 0 NOT NULL,
	`records` integer DEFAULT 0 NOT NULL,
	`duplicates` integer DEFAULT 0 NOT NULL,
	`quarantined` integer DEFAULT 0 NOT NULL,
	`bytes_scanned` integer DEFAULT 0 NOT NULL,
	`scan_cost_pico` integer DEFAULT 0 NOT NULL,
	`data_until` text,
	`message` text
);
--> statement-breakpoint
CREATE TABLE `ingested_objects` (
	`source` text NOT NULL,
	`key` text NOT NULL,
	`size` integer NOT NULL,
	`etag` text,
	`status` text NOT NULL,
	`records` integer NOT NULL,
	`run_id` integer NOT NULL,
	`ingested_at` text NOT NULL,
	PRIMARY KEY(`source`, `key`)
);
--> statement-breakpoint
CREATE TABLE `prices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`scope` text NOT NULL,
	`region` text NOT NULL,
	`effective_from` text NOT NULL,
	`currency` text DEFAULT 'USD' NOT NULL,
	`input_micros_per_mtok` integer NOT NULL,
	`output_micros_per_mtok` integer NOT NULL,
	`cache_read_micros_per_mtok` integer NOT NULL,
	`cache_write_micros_per_mtok` integer NOT NULL,
	`source` text NOT NULL,
	`origin` text NOT NULL,
	`content_hash` text NOT NULL,
	`added_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prices_content_hash_unique` ON `prices` (`content_hash`);--> statement-breakpoint
CREATE INDEX `prices_lookup` ON `prices` (`model`,`scope`,`region`,`effective_from`);--> statement-breakpoint
CREATE TABLE `quarantine` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`source` text NOT NULL,
	`key` text NOT NULL,
	`line` integer,
	`reason` text NOT NULL,
	`excerpt` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `quarantine_place` ON `quarantine` (`source`,`key`,`line`);--> statement-breakpoint
CREATE TABLE `seen_requests` (
	`request_id` text PRIMARY KEY NOT NULL,
	`timestamp` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `seen_requests_timestamp` ON `seen_requests` (`timestamp`);--> statement-breakpoint
CREATE TABLE `usage_daily_facets` (
	`source` text NOT NULL,
	`day` text NOT NULL,
	`dims_key` text NOT NULL,
	`facet` text NOT NULL,
	`value_key` text NOT NULL,
	`value` text,
	`account_id` text,
	`region` text,
	`tenant_id` text,
	`application_name` text,
	`cost_center` text,
	`environment` text,
	`team` text,
	`model_id` text NOT NULL,
	`base_model` text NOT NULL,
	`scope` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`price_id` integer,
	PRIMARY KEY(`source`, `day`, `dims_key`, `facet`, `value_key`),
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_daily_facets_facet_day` ON `usage_daily_facets` (`facet`,`day`);--> statement-breakpoint
CREATE TABLE `usage_hourly` (
	`source` text NOT NULL,
	`hour` text NOT NULL,
	`dims_key` text NOT NULL,
	`account_id` text,
	`region` text,
	`tenant_id` text,
	`application_name` text,
	`cost_center` text,
	`environment` text,
	`team` text,
	`model_id` text NOT NULL,
	`base_model` text NOT NULL,
	`scope` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`price_id` integer,
	PRIMARY KEY(`source`, `hour`, `dims_key`),
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_hourly_hour` ON `usage_hourly` (`hour`);--> statement-breakpoint
CREATE INDEX `usage_hourly_tenant_hour` ON `usage_hourly` (`tenant_id`,`hour`);