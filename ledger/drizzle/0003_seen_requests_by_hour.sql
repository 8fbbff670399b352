-- Hand-finished: drizzle cannot declare WITHOUT ROWID; the old rows carry their hour in `timestamp`.
CREATE TABLE `__new_seen_requests` (
	`hour` text NOT NULL,
	`request_id` text NOT NULL,
	PRIMARY KEY(`hour`, `request_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT OR IGNORE INTO `__new_seen_requests`("hour", "request_id") SELECT substr("timestamp", 1, 13) || ':00:00Z', "request_id" FROM `seen_requests`;
--> statement-breakpoint
DROP TABLE `seen_requests`;
--> statement-breakpoint
ALTER TABLE `__new_seen_requests` RENAME TO `seen_requests`;
