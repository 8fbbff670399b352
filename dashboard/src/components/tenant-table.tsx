import type { UsageResponse } from "@bedrock-chargeback/api";
import { useMemo, useState } from "react";
import { formatInt } from "../lib/format";
import { formatUsdPrecise } from "../lib/money";
import {
  buildTenantRows,
  type SortDirection,
  searchTenantRows,
  sortTenantRows,
  type TenantSortKey,
} from "../lib/tenants";
import { NULL_VALUE, type ViewState, withFilter } from "../lib/view-state";
import { Link } from "./nav";
import { Sparkline } from "./sparkline";
import { TableScroll } from "./table-scroll";

const COLUMNS: { key: TenantSortKey; label: string; numeric: boolean }[] = [
  { key: "label", label: "Tenant", numeric: false },
  { key: "costMicros", label: "Cost", numeric: true },
  { key: "requests", label: "Requests", numeric: true },
  { key: "tokens", label: "Tokens", numeric: true },
];

/** Tenants by cost: sortable headers, search, a daily sparkline, each name a drill-down link. */
export function TenantTable(props: {
  view: ViewState;
  totals: UsageResponse;
  daily: UsageResponse;
  pageSize: number;
}) {
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<{ key: TenantSortKey; dir: SortDirection }>({
    key: "costMicros",
    dir: "desc",
  });
  const [shown, setShown] = useState(props.pageSize);
  const rows = useMemo(
    () => buildTenantRows(props.totals.rows, props.daily.rows, props.view),
    [props.totals, props.daily, props.view],
  );
  const visible = sortTenantRows(searchTenantRows(rows, query), sort.key, sort.dir);
  const toggle = (key: TenantSortKey) =>
    setSort((s) =>
      s.key === key
        ? { key, dir: s.dir === "asc" ? "desc" : "asc" }
        : { key, dir: key === "label" ? "asc" : "desc" },
    );
  return (
    <div>
      <div className="toolbar">
        <label>
          Search tenants
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="name…" />
        </label>
        <span className="muted" aria-live="polite">
          {visible.length} of {rows.length} tenants
        </span>
      </div>
      <TableScroll label="Tenants by cost">
        <table aria-label="Tenants by cost">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className={c.numeric ? "num" : undefined}
                  aria-sort={sort.key === c.key ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}
                >
                  <button type="button" className="sort" onClick={() => toggle(c.key)}>
                    {c.label}
                    {sort.key === c.key ? (sort.dir === "asc" ? " ▲" : " ▼") : ""}
                  </button>
                </th>
              ))}
              <th>Daily cost</th>
            </tr>
          </thead>
          <tbody>
            {visible.slice(0, shown).map((r) => (
              <tr key={r.tenant ?? NULL_VALUE} data-testid="tenant-row">
                <td>
                  <Link to={withFilter(props.view, { dimension: "tenant", value: r.tenant })}>{r.label}</Link>
                  {r.unpricedRequests > 0 ? (
                    <span className="badge adjustment" title="requests on models without a price">
                      {" "}
                      {formatInt(r.unpricedRequests)} unpriced
                    </span>
                  ) : null}
                </td>
                <td className="num">{formatUsdPrecise(r.costUsd)}</td>
                <td className="num">{formatInt(r.requests)}</td>
                <td className="num">{formatInt(r.tokens)}</td>
                <td>
                  <Sparkline values={r.spark} label={`Daily cost of ${r.label}`} />
                </td>
              </tr>
            ))}
            {visible.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  {rows.length === 0 ? "No tenant usage in this range." : `No tenant matches “${query}”.`}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableScroll>
      {visible.length > shown ? (
        <button type="button" onClick={() => setShown((n) => n + props.pageSize)}>
          Show {Math.min(props.pageSize, visible.length - shown)} more
        </button>
      ) : null}
    </div>
  );
}
