CREATE TABLE `usage_monthly` (
	`source` text NOT NULL,
	`month` text NOT NULL,
	`dims_key` text NOT NULL,
	`price_key` integer NOT NULL,
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
	PRIMARY KEY(`source`, `month`, `dims_key`, `price_key`, `base_model`, `scope`),
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_monthly_month` ON `usage_monthly` (`month`);--> statement-breakpoint
CREATE INDEX `usage_monthly_tenant_month` ON `usage_monthly` (`tenant_id`,`month`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_usage_daily` (
	`source` text NOT NULL,
	`day` text NOT NULL,
	`dims_key` text NOT NULL,
	`price_key` integer NOT NULL,
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
	PRIMARY KEY(`source`, `day`, `dims_key`, `price_key`, `base_model`, `scope`),
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Rebuilt from usage_hourly, not copied: the old key could merge one model id resolved two ways.
INSERT INTO `__new_usage_daily` (source, day, dims_key, price_key, account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope, requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, price_id)
SELECT source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0), account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope, SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), price_id
FROM `usage_hourly` GROUP BY source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0), base_model, scope;--> statement-breakpoint
DROP TABLE `usage_daily`;--> statement-breakpoint
ALTER TABLE `__new_usage_daily` RENAME TO `usage_daily`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `usage_daily_day` ON `usage_daily` (`day`);--> statement-breakpoint
CREATE INDEX `usage_daily_tenant_day` ON `usage_daily` (`tenant_id`,`day`);--> statement-breakpoint
-- Existing stores: derive the month rows once (afterwards rebuildDaily keeps them in step).
INSERT INTO `usage_monthly` (source, month, dims_key, price_key, account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope, requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, price_id)
SELECT source, substr(day, 1, 7), dims_key, price_key, account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope, SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), price_id
FROM `usage_daily` GROUP BY source, substr(day, 1, 7), dims_key, price_key, base_model, scope;
