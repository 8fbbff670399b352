CREATE TABLE `usage_attrs` (
	`id` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`user_id` text,
	`identity_arn` text,
	`meta` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_attrs_key_unique` ON `usage_attrs` (`key`);--> statement-breakpoint
CREATE TABLE `usage_dims` (
	`id` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`account_id` text,
	`region` text,
	`tenant_id` text,
	`application_name` text,
	`cost_center` text,
	`environment` text,
	`team` text,
	`model_id` text NOT NULL,
	`base_model` text NOT NULL,
	`scope` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_dims_key_unique` ON `usage_dims` (`key`);--> statement-breakpoint
CREATE TABLE `usage_facts` (
	`hour` integer NOT NULL,
	`dims_id` integer NOT NULL,
	`attrs_id` integer NOT NULL,
	`source` text NOT NULL,
	`grain` integer DEFAULT 1 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`m_ii` integer DEFAULT 0 NOT NULL,
	`m_oo` integer DEFAULT 0 NOT NULL,
	`m_rr` integer DEFAULT 0 NOT NULL,
	`m_ww` integer DEFAULT 0 NOT NULL,
	`m_io` integer DEFAULT 0 NOT NULL,
	`m_ir` integer DEFAULT 0 NOT NULL,
	`m_iw` integer DEFAULT 0 NOT NULL,
	`m_or` integer DEFAULT 0 NOT NULL,
	`m_ow` integer DEFAULT 0 NOT NULL,
	`m_rw` integer DEFAULT 0 NOT NULL,
	`latency_ms` integer DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`price_id` integer,
	PRIMARY KEY(`hour`, `dims_id`, `attrs_id`, `source`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Stores from before this migration: every record had exactly one `user` facet row, so those rows
-- carry over as per-day facts (grain 24, identity and metadata unknown = null); totals stay whole.
-- See docs/adr/0011-usage-facts.md.
INSERT OR IGNORE INTO `usage_dims` (`key`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`)
SELECT DISTINCT `dims_key` || char(1) || `base_model` || char(1) || `scope`, `account_id`, `region`, `tenant_id`, `application_name`, `cost_center`, `environment`, `team`, `model_id`, `base_model`, `scope`
FROM `usage_daily_facets` WHERE `facet` = 'user';
--> statement-breakpoint
INSERT OR IGNORE INTO `usage_attrs` (`key`, `user_id`, `identity_arn`, `meta`)
SELECT DISTINCT json_array(`value`, NULL, json('{}')), `value`, NULL, '{}'
FROM `usage_daily_facets` WHERE `facet` = 'user';
--> statement-breakpoint
INSERT INTO `usage_facts` (`hour`, `dims_id`, `attrs_id`, `source`, `grain`, `requests`, `errors`, `input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `price_id`)
SELECT CAST(strftime('%s', f.`day`) AS INTEGER) / 3600, d.`id`, a.`id`, f.`source`, 24, f.`requests`, f.`errors`, f.`input_tokens`, f.`output_tokens`, f.`cache_read_tokens`, f.`cache_write_tokens`, f.`price_id`
FROM `usage_daily_facets` f
JOIN `usage_dims` d ON d.`key` = f.`dims_key` || char(1) || f.`base_model` || char(1) || f.`scope`
JOIN `usage_attrs` a ON a.`key` = json_array(f.`value`, NULL, json('{}'))
WHERE f.`facet` = 'user';
--> statement-breakpoint
DROP TABLE `usage_daily_facets`;