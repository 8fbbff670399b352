ALTER TABLE `invoice_lines` ADD `cost_center` text;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `price_region` text;