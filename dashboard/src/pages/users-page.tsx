import { TopUsersResponse } from "@bedrock-chargeback/api/schemas";
import { useApi } from "../api/use-api";
import { Link, useNav } from "../components/nav";
import { ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";
import { dimensionLabel, formatInt, totalTokens } from "../lib/format";
import { formatUsdPrecise } from "../lib/money";
import { usageQuery, withFilter } from "../lib/view-state";

/** Top users per tenant × application: user ids as logged (the wrapper's hash), never reversed. */
export function UsersPage() {
  const { view } = useNav();
  const users = useApi(
    `/v1/users?${usageQuery(view, { per: "tenant,application", top: "10" })}`,
    TopUsersResponse,
  );
  return (
    <section className="card" aria-labelledby="users-h">
      <header>
        <h1 id="users-h">Users</h1>
        <p>
          Top users by cost per tenant and application in the range. User ids are shown as logged (hashed by
          the wrapper); click one to filter the overview.
        </p>
      </header>
      {users.state === "error" ? (
        <ErrorState error={users.error} onRetry={users.reload} />
      ) : users.state === "ok" ? (
        users.data.groups.length === 0 ? (
          <p className="muted">No usage in this range.</p>
        ) : (
          users.data.groups.map((g) => {
            const title = `${dimensionLabel(g.keys.tenant ?? null)} · ${dimensionLabel(g.keys.application ?? null)}`;
            return (
              <TableScroll key={JSON.stringify(g.keys)} label={`Top users of ${title}`}>
                <table aria-label={`Top users of ${title}`}>
                  <caption>
                    {title} — {formatUsdPrecise(g.total.cost_usd)}
                    {g.more_users > 0 ? ` (${g.more_users} more users)` : ""}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">user</th>
                      <th scope="col" className="num">
                        cost
                      </th>
                      <th scope="col" className="num">
                        requests
                      </th>
                      <th scope="col" className="num">
                        errors
                      </th>
                      <th scope="col" className="num">
                        tokens
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.users.map((u) => (
                      <tr key={u.user ?? "\u0000"}>
                        <td>
                          <Link
                            to={withFilter(
                              { ...view, page: "overview" },
                              { dimension: "user", value: u.user },
                            )}
                          >
                            <code>{dimensionLabel(u.user)}</code>
                          </Link>
                        </td>
                        <td className="num">{formatUsdPrecise(u.cost_usd)}</td>
                        <td className="num">{formatInt(u.requests)}</td>
                        <td className="num">{formatInt(u.errors)}</td>
                        <td className="num">{formatInt(totalTokens(u))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            );
          })
        )
      ) : (
        <Loading />
      )}
    </section>
  );
}
