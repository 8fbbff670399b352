CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`tenant_id` text,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE TABLE `budgets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`scope_value` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`thresholds` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `budgets_scope` ON `budgets` (`scope`,`scope_value`);--> statement-breakpoint
CREATE TABLE `invoice_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`invoice_id` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`usage_month` text NOT NULL,
	`application_name` text,
	`model` text,
	`token_bucket` text,
	`quantity` integer,
	`unit_micros_per_mtok` integer,
	`price_id` integer,
	`price_version` text,
	`basis_points` integer,
	`amount_micros` integer NOT NULL,
	`description` text NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `invoice_lines_invoice` ON `invoice_lines` (`invoice_id`,`position`);--> statement-breakpoint
CREATE INDEX `invoice_lines_usage_month` ON `invoice_lines` (`tenant_id`,`usage_month`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`month` text NOT NULL,
	`tenant_id` text NOT NULL,
	`subtotal_micros` integer NOT NULL,
	`total_micros` integer NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	`unpriced_requests` integer NOT NULL,
	`unpriced_tokens` integer NOT NULL,
	`unpriced_models` text NOT NULL,
	`closed_at` text NOT NULL,
	`closed_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_month_tenant` ON `invoices` (`month`,`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenant_markups` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`basis_points` integer NOT NULL,
	`description` text NOT NULL,
	`updated_at` text NOT NULL
);
