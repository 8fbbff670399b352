/**
 * Alarms and the dashboard. The alarms are the same AlarmDefinitions `chargeback alarms apply`
 * uses, rendered by the same function as `alarms export` (one source of truth), wired to an SNS
 * topic created here.
 */

import { METRIC, METRIC_DIMENSION } from "@bedrock-chargeback/collector/metrics";
import { Aws, CfnOutput, CfnResource, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import { alarmLogicalId, toCloudFormationProperties } from "../alarms/cloudformation";
import type { AlarmsConfig } from "../alarms/config";
import { type AlarmDefinition, BEDROCK_DELIVERY_FAILURE_METRICS } from "../alarms/definitions";
import type { InfraSettings } from "../settings";

export type MonitoringStackProps = StackProps & {
  settings: InfraSettings;
  alarmsConfig: AlarmsConfig;
  alarms: readonly AlarmDefinition[];
  logGroupName: string;
};

/** The "recent requests" Logs Insights query, one pipeline stage per entry (CDK joins them with `|`). */
export const RECENT_REQUESTS_QUERY = [
  "fields @timestamp, requestMetadata.tenant_id as tenant, requestMetadata.application_name as application, " +
    "requestMetadata.cost_center as cost_center, modelId, input.inputTokenCount as input_tokens, " +
    "output.outputTokenCount as output_tokens, input.cacheReadInputTokenCount as cache_read, " +
    "input.cacheWriteInputTokenCount as cache_write, errorCode",
  'filter schemaType = "ModelInvocationLog"',
  "sort @timestamp desc",
  "limit 50",
];

export class MonitoringStack extends Stack {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { settings, alarmsConfig } = props;
    this.topic = new sns.Topic(this, "AlarmTopic", {
      displayName: "Bedrock Chargeback alarms",
      enforceSSL: true,
    });
    // enforceSSL adds a topic policy, which replaces the default one: allow the alarms explicitly.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowOwnedAlarmsToPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${alarmsConfig.prefix}*`,
          },
        },
      }),
    );
    for (const email of settings.alarmEmails)
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    const actions = {
      alarmActions: [this.topic.topicArn],
      okActions: alarmsConfig.notifyOnOk ? [this.topic.topicArn] : [],
    };
    for (const def of props.alarms) {
      new CfnResource(this, alarmLogicalId(def.AlarmName, alarmsConfig.prefix), {
        type: "AWS::CloudWatch::Alarm",
        properties: toCloudFormationProperties(def, actions, alarmsConfig.ownerTag),
      });
    }

    this.dashboard = this.buildDashboard(settings, alarmsConfig.namespace, props.logGroupName);
    new CfnOutput(this, "AlarmTopicArn", { value: this.topic.topicArn });
    new CfnOutput(this, "AlarmCount", { value: String(props.alarms.length) });
  }

  private buildDashboard(
    settings: InfraSettings,
    namespace: string,
    logGroupName: string,
  ): cloudwatch.Dashboard {
    const hourly = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        statistic: "Maximum",
        period: Duration.hours(1),
        label,
      });
    // Dimension values (applications, cost centers, tenants) are open sets: SEARCH finds them all.
    const byDimension = (metricName: string, dimension: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${namespace},${dimension}} MetricName="${metricName}"', 'Maximum', 3600)`,
        label,
        period: Duration.hours(1),
      });
    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: settings.dashboardName,
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: "Month-to-date cost (USD)",
        metrics: [
          new cloudwatch.Metric({
            namespace,
            metricName: METRIC.monthToDateCostUsd,
            statistic: "Maximum",
            period: Duration.hours(1),
          }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: "Total tokens per hour (all four buckets)",
        left: [hourly(METRIC.tokens, "tokens")],
        width: 9,
      }),
      new cloudwatch.GraphWidget({
        title: "Cost per hour (USD) — trend",
        left: [hourly(METRIC.costUsd, "cost")],
        right: [
          new cloudwatch.MathExpression({
            expression: "RUNNING_SUM(c)",
            usingMetrics: { c: hourly(METRIC.costUsd, "cost") },
            label: "cumulative",
            period: Duration.hours(1),
          }),
        ],
        width: 9,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Tokens per hour by application",
        left: [byDimension(METRIC.tokens, METRIC_DIMENSION.application, "")],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Cost per hour by cost center (USD)",
        left: [byDimension(METRIC.costUsd, METRIC_DIMENSION.costCenter, "")],
        stacked: true,
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Cost per hour by tenant (top N + other)",
        left: [byDimension(METRIC.costUsd, METRIC_DIMENSION.tenant, "")],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Log delivery failures and collector lag",
        left: Object.values(BEDROCK_DELIVERY_FAILURE_METRICS).map(
          (metricName) =>
            new cloudwatch.Metric({
              namespace: "AWS/Bedrock",
              metricName,
              statistic: "Sum",
              period: Duration.minutes(5),
            }),
        ),
        right: [
          new cloudwatch.Metric({
            namespace,
            metricName: METRIC.collectorLagSeconds,
            statistic: "Minimum",
            period: Duration.minutes(15),
          }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: "Recent requests",
        logGroupNames: [logGroupName],
        queryLines: RECENT_REQUESTS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 24,
        height: 8,
      }),
    );
    return dashboard;
  }
}
