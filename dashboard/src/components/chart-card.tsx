import { useId, useState } from "react";
import { useSession } from "../api/use-api";
import { saveBlob } from "./download";
import { TableScroll } from "./table-scroll";

/**
 * A chart with its title, an accessible data table and its API source one click away
 * (the route it came from, and a button that downloads that exact JSON).
 */
export function ChartCard(props: {
  id: string;
  title: string;
  description?: string;
  source: string;
  className?: string;
  /** What a screen reader hears for the chart; the table below has every value. */
  chartLabel: string;
  chart: React.ReactNode;
  table: React.ReactNode;
  openTable?: boolean;
}) {
  const headingId = useId();
  return (
    <section id={props.id} className={`card ${props.className ?? ""}`} aria-labelledby={headingId}>
      <header>
        <h2 id={headingId}>{props.title}</h2>
        {props.description ? <p>{props.description}</p> : null}
      </header>
      {/* A figure, not role="img": its legend buttons must stay reachable. */}
      <figure aria-label={props.chartLabel} style={{ margin: 0 }}>
        {props.chart}
      </figure>
      <details open={props.openTable}>
        <summary>Data table and source</summary>
        <Source path={props.source} />
        <TableScroll label={`${props.title}: data table`}>{props.table}</TableScroll>
      </details>
    </section>
  );
}

/** The API route behind a figure and a one-click download of its JSON. */
export function Source({ path }: { path: string }) {
  const { client } = useSession();
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setError(null);
    try {
      const { blob } = await client.download(path);
      const route = (path.split("?")[0] ?? "api").replace(/^\/v1\//, "").replace(/[^A-Za-z0-9]+/g, "-");
      saveBlob(blob, `${route}.json`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <p className="source">
      Source: <code>GET {decodeURIComponent(path)}</code>
      <button type="button" className="link" onClick={download}>
        Download JSON
      </button>
      {error ? <span className="inline-error">{error}</span> : null}
    </p>
  );
}
