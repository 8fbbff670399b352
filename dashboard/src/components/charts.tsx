/** The recharts pictures; their data comes from the pure transforms in lib/. */
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { BucketShare, Slice } from "../lib/breakdown";
import { formatCompact, formatInt } from "../lib/format";
import { formatUsd, formatUsdPrecise, microsToDecimal } from "../lib/money";
import type { SeriesKey, StackedSeries } from "../lib/series";
import { colorAt } from "./palette";

/** A chart value (float dollars from exact micro-USD) back to an exact label, for tooltips. */
function chartUsd(v: unknown): string {
  return typeof v === "number"
    ? formatUsdPrecise(microsToDecimal(BigInt(Math.round(v * 1_000_000))))
    : String(v);
}
/** Axis ticks: cents below $10 (so $0.25 and $0.30 stay distinct), compact above. */
const axisUsd = (v: number) => (Math.abs(v) < 10 ? `$${v.toFixed(2)}` : `$${formatCompact(v)}`);

export function StackedCostChart(props: {
  series: StackedSeries;
  onSelect: (key: SeriesKey) => void;
  height?: number;
}) {
  const { keys, points } = props.series;
  const bars = points.length <= 62;
  const common = {
    data: points,
    margin: { top: 8, right: 8, bottom: 0, left: 0 },
  };
  const children = [
    <CartesianGrid key="grid" strokeDasharray="3 3" vertical={false} />,
    <XAxis key="x" dataKey="label" tick={{ fontSize: 11 }} minTickGap={16} />,
    <YAxis key="y" tickFormatter={axisUsd} tick={{ fontSize: 11 }} width={56} />,
    <Tooltip key="tip" formatter={(v) => chartUsd(v)} />,
  ];
  return (
    <>
      <ResponsiveContainer width="100%" height={props.height ?? 240}>
        {bars ? (
          <BarChart {...common}>
            {children}
            {keys.map((k, i) => (
              <Bar
                key={k.id}
                dataKey={(p: { values: Record<string, number> }) => p.values[k.id] ?? 0}
                name={k.label}
                stackId="cost"
                fill={colorAt(i, k.value === undefined)}
                cursor={k.value === undefined ? undefined : "pointer"}
                onClick={() => props.onSelect(k)}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        ) : (
          <AreaChart {...common}>
            {children}
            {keys.map((k, i) => (
              <Area
                key={k.id}
                type="stepAfter"
                dataKey={(p: { values: Record<string, number> }) => p.values[k.id] ?? 0}
                name={k.label}
                stackId="cost"
                stroke="none"
                fill={colorAt(i, k.value === undefined)}
                fillOpacity={0.9}
                onClick={() => props.onSelect(k)}
                isAnimationActive={false}
              />
            ))}
          </AreaChart>
        )}
      </ResponsiveContainer>
      <ul className="legend-row" aria-label="Series">
        {keys.map((k, i) => (
          <li key={k.id}>
            {k.value === undefined ? (
              <span>
                <span className="swatch" style={{ background: colorAt(i, true) }} /> {k.label}
              </span>
            ) : (
              <button type="button" onClick={() => props.onSelect(k)} aria-label={`Filter by ${k.label}`}>
                <span className="swatch" style={{ background: colorAt(i) }} />
                {k.label}
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Donut with a clickable legend that shows each slice's exact API figure. */
export function Donut(props: {
  slices: Slice[];
  onSelect: (s: Slice) => void;
  what: string;
  testId: string;
}) {
  return (
    <div className="chart-with-legend">
      <ResponsiveContainer width="100%" height={200}>
        <PieChart>
          <Pie
            data={props.slices}
            dataKey="chartValue"
            nameKey="label"
            innerRadius="55%"
            outerRadius="90%"
            paddingAngle={1}
            isAnimationActive={false}
            onClick={(_, index) => {
              const s = props.slices[index];
              if (s) props.onSelect(s);
            }}
          >
            {props.slices.map((s, i) => (
              <Cell
                key={s.id}
                fill={colorAt(i, s.value === undefined)}
                cursor={s.value === undefined ? undefined : "pointer"}
              />
            ))}
          </Pie>
          <Tooltip formatter={(v) => chartUsd(v)} />
        </PieChart>
      </ResponsiveContainer>
      <SliceLegend {...props} />
    </div>
  );
}

export function SliceLegend(props: {
  slices: Slice[];
  onSelect: (s: Slice) => void;
  what: string;
  testId: string;
}) {
  return (
    <ul className="legend" aria-label={`${props.what} by cost`} data-testid={props.testId}>
      {props.slices.map((s, i) => {
        const body = (
          <>
            <span className="swatch" style={{ background: colorAt(i, s.value === undefined) }} />
            <span className="name" title={s.label}>
              {s.label}
            </span>
            <span className="amount">{formatUsd(s.costUsd)}</span>
          </>
        );
        return (
          <li key={s.id}>
            {s.value === undefined ? (
              <span style={{ display: "flex", gap: 6, padding: "2px 4px", width: "100%" }}>{body}</span>
            ) : (
              <button
                type="button"
                onClick={() => props.onSelect(s)}
                aria-label={`Filter by ${props.what} ${s.label}: ${formatUsd(s.costUsd)}`}
              >
                {body}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Horizontal bars, biggest first, one click to filter. */
export function HorizontalBars(props: {
  slices: Slice[];
  onSelect: (s: Slice) => void;
  what: string;
  testId: string;
}) {
  const height = Math.max(80, props.slices.length * 26 + 24);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={props.slices} layout="vertical" margin={{ top: 0, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" tickFormatter={axisUsd} tick={{ fontSize: 11 }} />
        <YAxis type="category" dataKey="label" width={130} tick={{ fontSize: 11 }} interval={0} />
        <Tooltip formatter={(v) => chartUsd(v)} />
        <Bar
          dataKey="chartValue"
          name="Cost"
          isAnimationActive={false}
          onClick={(_, index) => {
            const s = props.slices[index];
            if (s) props.onSelect(s);
          }}
        >
          {props.slices.map((s, i) => (
            <Cell
              key={s.id}
              fill={colorAt(i, s.value === undefined)}
              cursor={s.value === undefined ? undefined : "pointer"}
            />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

const BUCKET_COLORS: Record<BucketShare["id"], string> = {
  input: "#1f5fbf",
  output: "#e07b00",
  cache_read: "#2e9d5b",
  cache_write: "#7b50c2",
};

/** The four token buckets as one 100 % bar. */
export function BucketBar({ buckets }: { buckets: BucketShare[] }) {
  return (
    <div>
      <div
        style={{ display: "flex", height: 22, borderRadius: 4, overflow: "hidden", background: "#eceff3" }}
      >
        {buckets.map((b) =>
          b.sharePct > 0 ? (
            <div
              key={b.id}
              title={`${b.label}: ${formatInt(b.tokens)} tokens`}
              style={{ width: `${b.sharePct}%`, background: BUCKET_COLORS[b.id] }}
            />
          ) : null,
        )}
      </div>
      <ul className="legend" style={{ marginTop: 8 }}>
        {buckets.map((b) => (
          <li key={b.id}>
            <span className="swatch" style={{ background: BUCKET_COLORS[b.id] }} />
            <span className="name">{b.label}</span>
            <span className="amount">
              {formatInt(b.tokens)} ({b.sharePct.toFixed(1)}%)
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
