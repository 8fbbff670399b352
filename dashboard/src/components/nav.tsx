import { createContext, useContext } from "react";
import { serializeView, type ViewState } from "../lib/view-state";

export type Nav = { view: ViewState; go: (next: ViewState, opts?: { replace?: boolean }) => void };

export const NavContext = createContext<Nav | null>(null);

export function useNav(): Nav {
  const n = useContext(NavContext);
  if (!n) throw new Error("useNav outside the app");
  return n;
}

/** A real link (middle-click and copy work) that navigates in place on a plain click. */
export function Link(props: {
  to: ViewState;
  children: React.ReactNode;
  className?: string;
  current?: boolean;
}) {
  const { go } = useNav();
  return (
    <a
      href={serializeView(props.to)}
      className={props.className}
      aria-current={props.current ? "page" : undefined}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        go(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
