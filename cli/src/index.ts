export { commands } from "./commands";
export type { Command, Io } from "./io";
