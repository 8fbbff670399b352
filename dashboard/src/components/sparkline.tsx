import { sparklinePath } from "../lib/tenants";

/** A tiny trend line; decorative next to the numbers it summarises, so it carries a short label. */
export function Sparkline({
  values,
  label,
  width = 96,
  height = 22,
}: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}) {
  return (
    <svg
      className="spark"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <path d={sparklinePath(values, width, height, 2)} fill="none" stroke="#1f5fbf" strokeWidth={1.5} />
    </svg>
  );
}
