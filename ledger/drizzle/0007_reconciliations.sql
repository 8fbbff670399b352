CREATE TABLE `reconciliations` (
	`month` text PRIMARY KEY NOT NULL,
	`compared_at` text NOT NULL,
	`source_kind` text NOT NULL,
	`source_version` text NOT NULL,
	`result` text NOT NULL
);
