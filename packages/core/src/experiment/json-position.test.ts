import { describe, expect, it } from "vitest";
import { jsonErrorPosition } from "./json-position.js";

describe("jsonErrorPosition", () => {
  it("finds the first syntax error's line and column", () => {
    expect(jsonErrorPosition('{"name": "x",\n  "datasets": [}')).toBe("line 2, column 16");
    expect(jsonErrorPosition('{"a": 1,}')).toBe("line 1, column 9");
    expect(jsonErrorPosition('{"a": 1} x')).toBe("line 1, column 10");
    expect(jsonErrorPosition('{"a": tru}')).toBe("line 1, column 7");
    expect(jsonErrorPosition("")).toBe("line 1, column 1");
  });

  it("accepts what JSON.parse accepts", () => {
    for (const text of ['{"a": [1, -2.5e3, "s\\"", true, false, null, {}]}', " [ ] ", '"x"']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(jsonErrorPosition(text)).toBeUndefined();
    }
  });
});
