/**
 * Packs metric points into PutMetricData requests within the API limits (docs/aws-facts.md §6):
 * ≤ 1000 MetricDatum per request, ≤ 150 distinct values per datum (Values/Counts), ≤ 1 MB per
 * request, ≤ 30 dimensions, finite values within ±2^360. Points with the same metric, dimensions,
 * unit and timestamp share one datum; equal values collapse into Counts.
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { MetricPoint } from "./types";

export const PUT_METRIC_DATA_LIMITS = {
  maxDatumsPerRequest: 1000,
  maxValuesPerDatum: 150,
  maxRequestBytes: 1_000_000,
  maxDimensions: 30,
} as const;

export type BatchLimits = {
  maxDatumsPerRequest: number;
  maxValuesPerDatum: number;
  maxRequestBytes: number;
};

/** A point CloudWatch would reject: caught here, before any request is sent. */
export class MetricDataError extends Error {}

const MAX_MAGNITUDE = 2 ** 360;
/** Bytes of the request around MetricData (Namespace, framing), generously rounded up. */
const ENVELOPE_BYTES = 1024;

function validate(point: MetricPoint): void {
  const where = `metric ${JSON.stringify(point.name)}`;
  if (point.name.length === 0 || point.name.length > 255)
    throw new MetricDataError(`${where}: name must be 1–255 characters`);
  if (!Number.isFinite(point.value) || Math.abs(point.value) > MAX_MAGNITUDE) {
    throw new MetricDataError(`${where}: value ${point.value} is not a finite number within ±2^360`);
  }
  if (Number.isNaN(point.timestamp.getTime())) throw new MetricDataError(`${where}: invalid timestamp`);
  const dims = Object.entries(point.dimensions);
  if (dims.length > PUT_METRIC_DATA_LIMITS.maxDimensions) {
    throw new MetricDataError(
      `${where}: ${dims.length} dimensions (at most ${PUT_METRIC_DATA_LIMITS.maxDimensions})`,
    );
  }
  for (const [name, value] of dims) {
    if (name.length === 0 || name.length > 255)
      throw new MetricDataError(`${where}: dimension name must be 1–255 characters`);
    if (value.length === 0 || value.length > 1024) {
      throw new MetricDataError(`${where}: dimension ${name} value must be 1–1024 characters`);
    }
  }
}

/** Upper estimate of a datum's share of the request body (the SDK sends JSON). */
export function estimateDatumBytes(datum: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify({ ...datum, Timestamp: datum.Timestamp?.getTime() })) + 16;
}

type Group = {
  name: string;
  unit: MetricPoint["unit"];
  timestamp: Date;
  dims: [string, string][];
  counts: Map<number, number>;
};

function toDatums(points: readonly MetricPoint[], maxValues: number): MetricDatum[] {
  const groups = new Map<string, Group>();
  for (const point of points) {
    validate(point);
    const dims = Object.entries(point.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([point.name, point.unit, point.timestamp.getTime(), dims]);
    let group = groups.get(key);
    if (!group) {
      group = { name: point.name, unit: point.unit, timestamp: point.timestamp, dims, counts: new Map() };
      groups.set(key, group);
    }
    group.counts.set(point.value, (group.counts.get(point.value) ?? 0) + 1);
  }
  const datums: MetricDatum[] = [];
  for (const group of groups.values()) {
    const entries = [...group.counts.entries()];
    for (let i = 0; i < entries.length; i += maxValues) {
      const chunk = entries.slice(i, i + maxValues);
      const datum: MetricDatum = {
        MetricName: group.name,
        Timestamp: group.timestamp,
        Unit: group.unit,
        Values: chunk.map(([v]) => v),
      };
      if (group.dims.length > 0) datum.Dimensions = group.dims.map(([Name, Value]) => ({ Name, Value }));
      if (chunk.some(([, c]) => c > 1)) datum.Counts = chunk.map(([, c]) => c);
      datums.push(datum);
    }
  }
  return datums;
}

/**
 * Splits points into request-sized lists of datums, in input order of first appearance.
 * @example batchMetricPoints(points).length // 2,500 distinct metrics → 3 requests
 */
export function batchMetricPoints(
  points: readonly MetricPoint[],
  limits: BatchLimits = PUT_METRIC_DATA_LIMITS,
): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const datum of toDatums(points, limits.maxValuesPerDatum)) {
    const size = estimateDatumBytes(datum);
    if (ENVELOPE_BYTES + size > limits.maxRequestBytes) {
      throw new MetricDataError(
        `metric ${JSON.stringify(datum.MetricName)}: one datum exceeds the request size limit`,
      );
    }
    if (current.length >= limits.maxDatumsPerRequest || bytes + size > limits.maxRequestBytes) {
      batches.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
