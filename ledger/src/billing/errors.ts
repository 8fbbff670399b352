/** Errors of the billing domain, as data: the API maps `code` to an HTTP status. */
export type BillingErrorCode = "bad_request" | "not_found" | "conflict";

export class BillingError extends Error {
  constructor(
    readonly code: BillingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BillingError";
  }
}
