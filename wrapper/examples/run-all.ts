/** Runs every example against the offline stub client: `npx tsx examples/run-all.ts`. */
import { createStubRuntimeClient } from "../src/testing/index";
import { main as customerService } from "./customer-service";
import { main as developerTools } from "./developer-tools";
import { main as multiTenantSaas } from "./multi-tenant-saas";
import { main as salesAssistant } from "./sales-assistant";

const examples = { customerService, salesAssistant, developerTools, multiTenantSaas };
for (const [name, main] of Object.entries(examples)) {
  console.log(`\n=== ${name} ===`);
  const { client } = createStubRuntimeClient();
  await main({ client, print: (line) => console.log(line) });
}
