/**
 * The CloudWatch client for `chargeback alarms` (the CLI has no AWS SDK dependency of its own).
 * Standard retry mode handles throttling of DescribeAlarms / PutMetricAlarm bursts.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";

export function createCloudWatchClient(options: {
  region?: string;
  endpoint?: string;
  maxAttempts?: number;
}): CloudWatchClient {
  return new CloudWatchClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: "standard",
  });
}
