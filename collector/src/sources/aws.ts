/**
 * The AWS calls the collectors make, behind small interfaces so tests can pass mocks or fakes.
 * The real implementations are one line per call over SDK v3 clients.
 */
import {
  AthenaClient,
  GetQueryResultsCommand as AthenaGetQueryResultsCommand,
  type GetQueryResultsCommandInput as AthenaGetQueryResultsInput,
  type GetQueryResultsCommandOutput as AthenaGetQueryResultsOutput,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandInput,
  type GetQueryExecutionCommandOutput,
  GetTableMetadataCommand,
  type GetTableMetadataCommandInput,
  type GetTableMetadataCommandOutput,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  type StartQueryExecutionCommandOutput,
} from "@aws-sdk/client-athena";
import {
  BedrockClient,
  GetInferenceProfileCommand,
  type GetInferenceProfileCommandOutput,
  GetModelInvocationLoggingConfigurationCommand,
  type GetModelInvocationLoggingConfigurationCommandOutput,
} from "@aws-sdk/client-bedrock";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type DescribeLogGroupsCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandInput,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
  type StartQueryCommandInput,
  type StartQueryCommandOutput,
  StopQueryCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { HeadBucketCommand, type HeadBucketCommandOutput, S3Client } from "@aws-sdk/client-s3";

export type LogsInsightsApi = {
  startQuery: (input: StartQueryCommandInput) => Promise<StartQueryCommandOutput>;
  getQueryResults: (input: GetQueryResultsCommandInput) => Promise<GetQueryResultsCommandOutput>;
  stopQuery: (queryId: string) => Promise<void>;
};

export function logsInsightsApi(client: CloudWatchLogsClient): LogsInsightsApi {
  return {
    startQuery: (input) => client.send(new StartQueryCommand(input)),
    getQueryResults: (input) => client.send(new GetQueryResultsCommand(input)),
    stopQuery: async (queryId) => {
      await client.send(new StopQueryCommand({ queryId }));
    },
  };
}

export type AthenaApi = {
  startQueryExecution: (input: StartQueryExecutionCommandInput) => Promise<StartQueryExecutionCommandOutput>;
  getQueryExecution: (input: GetQueryExecutionCommandInput) => Promise<GetQueryExecutionCommandOutput>;
  getQueryResults: (input: AthenaGetQueryResultsInput) => Promise<AthenaGetQueryResultsOutput>;
  getTableMetadata: (input: GetTableMetadataCommandInput) => Promise<GetTableMetadataCommandOutput>;
};

export function athenaApi(client: AthenaClient): AthenaApi {
  return {
    startQueryExecution: (input) => client.send(new StartQueryExecutionCommand(input)),
    getQueryExecution: (input) => client.send(new GetQueryExecutionCommand(input)),
    getQueryResults: (input) => client.send(new AthenaGetQueryResultsCommand(input)),
    getTableMetadata: (input) => client.send(new GetTableMetadataCommand(input)),
  };
}

export type BedrockControlApi = {
  getInferenceProfile: (identifier: string) => Promise<GetInferenceProfileCommandOutput>;
  getLoggingConfiguration: () => Promise<GetModelInvocationLoggingConfigurationCommandOutput>;
};

export function bedrockControlApi(client: BedrockClient): BedrockControlApi {
  return {
    getInferenceProfile: (inferenceProfileIdentifier) =>
      client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier })),
    getLoggingConfiguration: () => client.send(new GetModelInvocationLoggingConfigurationCommand({})),
  };
}

export type DoctorApis = {
  /** Resolves the credential provider chain of the clients (no STS call). */
  credentials: () => Promise<{ accessKeyId: string }>;
  region: () => Promise<string | undefined>;
  bedrock: BedrockControlApi;
  describeLogGroups: (prefix: string) => Promise<DescribeLogGroupsCommandOutput>;
  headBucket: (bucket: string) => Promise<HeadBucketCommandOutput>;
  athena: AthenaApi;
};

export type AwsClientOptions = {
  region: string | undefined;
  /** One endpoint for every client (loopback stand-ins, VPC endpoints). */
  endpoint?: string;
  /** Static credentials (tests); otherwise the standard provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
};

export type AwsClients = {
  logs: CloudWatchLogsClient;
  athena: AthenaClient;
  bedrock: BedrockClient;
  s3: S3Client;
};

/** Real SDK clients with the standard credential chain and retry strategy. */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
  return {
    logs: new CloudWatchLogsClient(common),
    athena: new AthenaClient(common),
    bedrock: new BedrockClient(common),
    s3: new S3Client({ ...common, forcePathStyle: Boolean(options.endpoint) }),
  };
}

export function doctorApis(clients: AwsClients): DoctorApis {
  return {
    credentials: async () => {
      const c = await clients.logs.config.credentials();
      return { accessKeyId: c.accessKeyId };
    },
    region: async () => {
      try {
        return await clients.logs.config.region();
      } catch {
        return undefined;
      }
    },
    bedrock: bedrockControlApi(clients.bedrock),
    describeLogGroups: (logGroupNamePrefix) =>
      clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix })),
    headBucket: (Bucket) => clients.s3.send(new HeadBucketCommand({ Bucket })),
    athena: athenaApi(clients.athena),
  };
}
