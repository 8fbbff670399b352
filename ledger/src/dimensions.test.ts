import { describe, expect, it } from "vitest";
import { DEFAULT_METADATA_MAPPING, parseDimension, parseMetadataMapping } from "./dimensions";

describe("dimensions", () => {
  it("parses known dimensions and meta keys, nothing else", () => {
    expect(parseDimension("tenant")).toBe("tenant");
    expect(parseDimension("user")).toBe("user");
    expect(parseDimension("meta:experiment_id")).toBe("meta:experiment_id");
    expect(parseDimension("tenant; DROP TABLE x")).toBeUndefined();
    expect(parseDimension("meta:")).toBeUndefined();
  });

  it("maps metadata keys over the defaults and refuses ambiguity", () => {
    expect(parseMetadataMapping("")).toEqual(DEFAULT_METADATA_MAPPING);
    expect(parseMetadataMapping("tenant=customer_id, application=app")).toMatchObject({
      tenant: "customer_id",
      application: "app",
      team: "team",
    });
    expect(() => parseMetadataMapping("planet=x")).toThrow(/unknown dimension "planet"/);
    expect(() => parseMetadataMapping("tenant")).toThrow(/dimension=metadata_key/);
    expect(() => parseMetadataMapping("tenant=team")).toThrow(/mapped to two dimensions/);
  });
});
