import type { Command } from "../io";

/** Every command, in `chargeback help` order. */
export const commands: Command[] = [];
