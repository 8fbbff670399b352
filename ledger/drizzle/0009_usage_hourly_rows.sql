-- Hand-finished: WITHOUT ROWID, the rows carried over through usage_dims, and the usage_hourly view
-- (drizzle declares neither). docs/adr/0012-parallel-ingest.md "A compact store".
CREATE TABLE `usage_hourly_rows` (
	`hour` text NOT NULL,
	`dims_id` integer NOT NULL,
	`source` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`price_id` integer,
	PRIMARY KEY(`hour`, `dims_id`, `source`),
	FOREIGN KEY (`dims_id`) REFERENCES `usage_dims`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `usage_hourly_rows_dims_hour` ON `usage_hourly_rows` (`dims_id`,`hour`);
--> statement-breakpoint
INSERT OR IGNORE INTO `usage_dims` (`key`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`)
SELECT `dims_key` || char(1) || `base_model` || char(1) || `scope`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`
FROM `usage_hourly` GROUP BY `dims_key`, `base_model`, `scope`;
--> statement-breakpoint
INSERT INTO `usage_hourly_rows` (`hour`, `dims_id`, `source`, `requests`, `errors`, `input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `price_id`)
SELECT h.`hour`, d.`id`, h.`source`, h.`requests`, h.`errors`, h.`input_tokens`, h.`output_tokens`, h.`cache_read_tokens`, h.`cache_write_tokens`, h.`price_id`
FROM `usage_hourly` h JOIN `usage_dims` d ON d.`key` = h.`dims_key` || char(1) || h.`base_model` || char(1) || h.`scope`;
--> statement-breakpoint
DROP TABLE `usage_hourly`;
--> statement-breakpoint
CREATE VIEW `usage_hourly` AS
SELECT h.`source`, h.`hour`, substr(d.`key`, 1, instr(d.`key`, char(1)) - 1) AS `dims_key`,
  d.`account_id`, d.`region`, d.`tenant_id`, d.`application_name`, d.`cost_center`, d.`environment`, d.`team`,
  d.`model_id`, d.`base_model`, d.`scope`,
  h.`requests`, h.`errors`, h.`input_tokens`, h.`output_tokens`, h.`cache_read_tokens`, h.`cache_write_tokens`, h.`price_id`
FROM `usage_hourly_rows` h JOIN `usage_dims` d ON d.`id` = h.`dims_id`;
