DROP INDEX `seen_requests_timestamp`;--> statement-breakpoint
CREATE TABLE `seen_requests_compact` (
	`request_id` text PRIMARY KEY NOT NULL,
	`timestamp` text NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `seen_requests_compact` (`request_id`, `timestamp`) SELECT `request_id`, `timestamp` FROM `seen_requests`;
--> statement-breakpoint
DROP TABLE `seen_requests`;
--> statement-breakpoint
ALTER TABLE `seen_requests_compact` RENAME TO `seen_requests`;
