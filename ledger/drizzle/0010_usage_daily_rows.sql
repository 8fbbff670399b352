-- Hand-finished like 0009: WITHOUT ROWID, the rows carried over through usage_dims (a tuple with its
-- base model and scope), and the usage_daily / usage_monthly views with the old columns in the old
-- order (drizzle declares neither). docs/adr/0012-parallel-ingest.md "A compact store".
CREATE INDEX `usage_dims_tenant` ON `usage_dims` (`tenant_id`);
--> statement-breakpoint
CREATE TABLE `usage_daily_rows` (
	`day` text NOT NULL,
	`dims_id` integer NOT NULL,
	`source` text NOT NULL,
	`price_key` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`price_id` integer,
	PRIMARY KEY(`day`, `dims_id`, `source`, `price_key`),
	FOREIGN KEY (`dims_id`) REFERENCES `usage_dims`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `usage_daily_rows_dims_day` ON `usage_daily_rows` (`dims_id`,`day`);
--> statement-breakpoint
INSERT OR IGNORE INTO `usage_dims` (`key`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`)
SELECT `dims_key` || char(1) || `base_model` || char(1) || `scope`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`
FROM `usage_daily` GROUP BY `dims_key`, `base_model`, `scope`;
--> statement-breakpoint
INSERT INTO `usage_daily_rows` (`day`, `dims_id`, `source`, `price_key`, `requests`, `errors`, `input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `price_id`)
SELECT u.`day`, d.`id`, u.`source`, u.`price_key`, u.`requests`, u.`errors`, u.`input_tokens`, u.`output_tokens`, u.`cache_read_tokens`, u.`cache_write_tokens`, u.`price_id`
FROM `usage_daily` u JOIN `usage_dims` d ON d.`key` = u.`dims_key` || char(1) || u.`base_model` || char(1) || u.`scope`;
--> statement-breakpoint
DROP TABLE `usage_daily`;
--> statement-breakpoint
CREATE VIEW `usage_daily` AS
SELECT u.`source`, u.`day`, substr(d.`key`, 1, instr(d.`key`, char(1)) - 1) AS `dims_key`, u.`price_key`,
  d.`account_id`, d.`region`, d.`tenant_id`, d.`application_name`, d.`cost_center`, d.`environment`, d.`team`,
  d.`model_id`, d.`base_model`, d.`scope`,
  u.`requests`, u.`errors`, u.`input_tokens`, u.`output_tokens`, u.`cache_read_tokens`, u.`cache_write_tokens`, u.`price_id`
FROM `usage_daily_rows` u JOIN `usage_dims` d ON d.`id` = u.`dims_id`;
--> statement-breakpoint
CREATE TABLE `usage_monthly_rows` (
	`month` text NOT NULL,
	`dims_id` integer NOT NULL,
	`source` text NOT NULL,
	`price_key` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`price_id` integer,
	PRIMARY KEY(`month`, `dims_id`, `source`, `price_key`),
	FOREIGN KEY (`dims_id`) REFERENCES `usage_dims`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `usage_monthly_rows_dims_month` ON `usage_monthly_rows` (`dims_id`,`month`);
--> statement-breakpoint
INSERT OR IGNORE INTO `usage_dims` (`key`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`)
SELECT `dims_key` || char(1) || `base_model` || char(1) || `scope`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`
FROM `usage_monthly` GROUP BY `dims_key`, `base_model`, `scope`;
--> statement-breakpoint
INSERT INTO `usage_monthly_rows` (`month`, `dims_id`, `source`, `price_key`, `requests`, `errors`, `input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `price_id`)
SELECT u.`month`, d.`id`, u.`source`, u.`price_key`, u.`requests`, u.`errors`, u.`input_tokens`, u.`output_tokens`, u.`cache_read_tokens`, u.`cache_write_tokens`, u.`price_id`
FROM `usage_monthly` u JOIN `usage_dims` d ON d.`key` = u.`dims_key` || char(1) || u.`base_model` || char(1) || u.`scope`;
--> statement-breakpoint
DROP TABLE `usage_monthly`;
--> statement-breakpoint
CREATE VIEW `usage_monthly` AS
SELECT u.`source`, u.`month`, substr(d.`key`, 1, instr(d.`key`, char(1)) - 1) AS `dims_key`, u.`price_key`,
  d.`account_id`, d.`region`, d.`tenant_id`, d.`application_name`, d.`cost_center`, d.`environment`, d.`team`,
  d.`model_id`, d.`base_model`, d.`scope`,
  u.`requests`, u.`errors`, u.`input_tokens`, u.`output_tokens`, u.`cache_read_tokens`, u.`cache_write_tokens`, u.`price_id`
FROM `usage_monthly_rows` u JOIN `usage_dims` d ON d.`id` = u.`dims_id`;