/** Reconciling the ledger with the AWS bill (CUR 2.0 or Cost Explorer): docs/rules.md rule 12. */

export { type BillNames, billNames } from "../pricing/model-names";
export * from "./bill";
export * from "./compare";
export * from "./cost-explorer";
export * from "./cur";
export * from "./format";
export * from "./saved";
export * from "./usage-type";
