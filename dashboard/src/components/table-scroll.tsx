/**
 * A table that scrolls inside its card (never the page). Focusable and labelled, so a keyboard
 * user can scroll it when its rows hold nothing focusable (axe: scrollable-region-focusable).
 * @example <TableScroll label="Invoice lines"><table>…</table></TableScroll>
 */
export function TableScroll(props: {
  label: string;
  maxHeight?: number | "none";
  children: React.ReactNode;
}) {
  return (
    <section
      className="table-scroll"
      aria-label={props.label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
      tabIndex={0}
      style={props.maxHeight === undefined ? undefined : { maxHeight: props.maxHeight }}
    >
      {props.children}
    </section>
  );
}
