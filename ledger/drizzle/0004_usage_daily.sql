CREATE TABLE `usage_daily` (
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
	PRIMARY KEY(`source`, `day`, `dims_key`, `price_key`),
	FOREIGN KEY (`price_id`) REFERENCES `prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_daily_day` ON `usage_daily` (`day`);--> statement-breakpoint
CREATE INDEX `usage_daily_tenant_day` ON `usage_daily` (`tenant_id`,`day`);--> statement-breakpoint
-- Existing stores: derive the daily rows once (afterwards rebuildDaily keeps them in step).
INSERT INTO `usage_daily` (source, day, dims_key, price_key, account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope, requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, price_id)
SELECT source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0), account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope, SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), price_id
FROM `usage_hourly` GROUP BY source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0);
