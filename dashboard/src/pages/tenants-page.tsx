import { UsageResponse } from "@bedrock-chargeback/api/schemas";
import { useApi } from "../api/use-api";
import { useNav } from "../components/nav";
import { ErrorState, Loading } from "../components/states";
import { TenantTable } from "../components/tenant-table";
import { usageQuery } from "../lib/view-state";

export function TenantsPage() {
  const { view } = useNav();
  const totals = useApi(`/v1/usage?${usageQuery(view, { group_by: "tenant" })}`, UsageResponse);
  const daily = useApi(
    `/v1/usage/timeseries?${usageQuery(view, { group_by: "tenant", granularity: "day" })}`,
    UsageResponse,
  );
  return (
    <section className="card" aria-labelledby="tenants-h">
      <header>
        <h1 id="tenants-h">Tenants</h1>
        <p>Cost, requests and tokens per tenant in the range; click a name to filter the overview.</p>
      </header>
      {totals.state === "error" ? (
        <ErrorState error={totals.error} onRetry={totals.reload} />
      ) : daily.state === "error" ? (
        <ErrorState error={daily.error} onRetry={daily.reload} />
      ) : totals.state === "ok" && daily.state === "ok" ? (
        <TenantTable
          view={{ ...view, page: "overview" }}
          totals={totals.data}
          daily={daily.data}
          pageSize={50}
        />
      ) : (
        <Loading />
      )}
    </section>
  );
}
