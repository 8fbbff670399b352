import type { Command } from "../io";
import { ingestCommand } from "./ingest";
import { reportCommand } from "./report";

/** Every command, in `chargeback help` order. */
export const commands: Command[] = [ingestCommand, reportCommand];
