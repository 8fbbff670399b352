-- Hand-finished: drizzle cannot declare WITHOUT ROWID; the old hour text `YYYY-MM-DDTHH:00:00Z` becomes whole hours since the epoch.
CREATE TABLE `__new_seen_requests` (
	`hour` integer NOT NULL,
	`request_id` text NOT NULL,
	PRIMARY KEY(`hour`, `request_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT OR IGNORE INTO `__new_seen_requests`("hour", "request_id") SELECT CAST(strftime('%s', "hour") AS INTEGER) / 3600, "request_id" FROM `seen_requests`;
--> statement-breakpoint
DROP TABLE `seen_requests`;
--> statement-breakpoint
ALTER TABLE `__new_seen_requests` RENAME TO `seen_requests`;
