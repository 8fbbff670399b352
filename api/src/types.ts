/**
 * Response types of the chargeback API (v1), inferred from the zod schemas in api/src/schemas.ts
 * (the one definition). The dashboard imports these types, and the schemas from
 * `@bedrock-chargeback/api/schemas` to check responses at run time.
 */
export type * from "./schemas";
