import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { backendNames } from "../backend/select.js";
import { manifestBackends, manifestJsonSchema } from "./schema.js";

describe("manifest schema", () => {
  it("accepts exactly the backend names src/backend knows", () => {
    expect([...manifestBackends]).toEqual([...backendNames]);
  });

  it("is a valid draft 2020-12 schema for any standard validator (editors use it through $schema)", () => {
    const plain = new Ajv2020({ strict: false });
    expect(plain.validateSchema(manifestJsonSchema())).toBe(true);
    const validate = plain.compile(manifestJsonSchema());
    expect(validate({ name: "ok", datasets: ["emopets"], protocol: { kind: "few-shot" }, methods: [{ method: "coop" }] })).toBe(true);
    expect(validate({ name: "ok", datasets: ["emopets"], protocol: { kind: "few-shot" }, methods: [], extra: 1 })).toBe(false);
  });
});
