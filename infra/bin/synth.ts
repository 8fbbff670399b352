/** `pnpm --filter @bedrock-chargeback/infra synth`: synthesize into infra/cdk.out without the cdk CLI. */
import { resolve } from "node:path";
import { createChargebackApp, INFRA_DIR, loadCdkJsonContext } from "../src/app";

const assembly = createChargebackApp({
  outdir: resolve(INFRA_DIR, "cdk.out"),
  context: loadCdkJsonContext(),
}).app.synth();
for (const stack of assembly.stacks) process.stdout.write(`${stack.stackName}\t${stack.templateFile}\n`);
