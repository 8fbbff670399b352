/**
 * Layout and accessibility checks for the browser test: horizontal overflow at a viewport width
 * (with the elements that cause it), and axe-core run inside the page.
 */
import { join } from "node:path";
import axe from "axe-core";
import type { Page } from "playwright-core";
import { ROOT } from "./harness";

/** Phone (360, 390), small laptop (1024), laptop (1440), desktop (1920). */
export const WIDTHS = [360, 390, 1024, 1440, 1920] as const;
/** Where the responsive screenshots go (gitignored). */
export const LAYOUT_SCREENSHOTS = join(ROOT, ".cache", "e2e-screenshots");

/**
 * Waits until no loading state (the Loading component) is on screen, then a few frames for charts
 * to measure themselves. A page still loading after 30 s fails with what it was waiting for.
 */
export async function settle(page: Page): Promise<void> {
  const loading = page.locator('.state[role="status"]');
  try {
    await page.waitForFunction(() => document.querySelectorAll('.state[role="status"]').length === 0, null, {
      timeout: 30_000,
    });
  } catch (error) {
    const what = await loading.allTextContents();
    throw new Error(`${page.url()} still loading after 30 s (${what.join("; ")}): ${String(error)}`);
  }
  await page.evaluate(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(null)), 150)));
}

export type Overflow = { scrollWidth: number; innerWidth: number; culprits: string[] };

/**
 * The page's scroll width against the viewport, and the elements that stick out past its right
 * edge without a scrolling ancestor that keeps them in (what to fix when the page scrolls sideways).
 */
export function overflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= innerWidth + 0.5) continue;
      let contained = false;
      for (let a = el.parentElement; a && !contained; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o !== "visible" && a.getBoundingClientRect().right <= innerWidth + 0.5) contained = true;
      }
      if (contained) continue;
      const cls =
        typeof el.className === "string" && el.className ? `.${el.className.split(" ").join(".")}` : "";
      culprits.push(`${el.tagName.toLowerCase()}${cls} (right ${Math.round(box.right)} px)`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits: culprits.slice(0, 10) };
  });
}

type AxeNode = { target: unknown[]; failureSummary?: string };
type AxeViolation = { id: string; impact?: string | null; help: string; nodes: AxeNode[] };

/**
 * axe-core's serious and critical violations on the page as it is, one readable line each:
 * `impact rule-id: help — selector (+ n more)`. Injected with `evaluate`, which the page's
 * Content-Security-Policy does not apply to (an inline <script> would be refused).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> };
    };
    const r = await w.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const first = v.nodes[0]?.target.map(String).join(" ") ?? "";
      const more = v.nodes.length > 1 ? ` (+ ${v.nodes.length - 1} more)` : "";
      return `${v.impact} ${v.id}: ${v.help} — ${first}${more}`;
    });
}
