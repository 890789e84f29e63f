import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { closestName, describeValue, editDistance } from "../../src/project/describe.js";
import { interpolateText } from "../../src/project/interpolate.js";
import { parseCpu, parseDuration, parseMemory } from "../../src/project/units.js";

describe("quantities", () => {
  it("parses durations", () => {
    expect([
      parseDuration("250ms"),
      parseDuration("5s"),
      parseDuration("1.5s"),
      parseDuration("2m"),
      parseDuration("1h"),
    ]).toEqual([250, 5000, 1500, 120_000, 3_600_000]);
    expect(() => parseDuration("5")).toThrow('expected a duration like 250ms, 5s or 1m, found "5"');
  });
  it("refuses a malformed quantity as the user's error (exit 2), naming the flag", () => {
    const refusal = (() => {
      try {
        parseDuration("5x", "--timeout");
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(UserError);
    expect(refusal).toMatchObject({
      code: "E_USAGE",
      exitCode: 2,
      message: '--timeout expects a duration like 250ms, 5s or 1m, found "5x"',
    });
    expect(() => parseMemory("lots")).toThrow('expected a size like 512Mi or 1Gi, found "lots"');
  });
  it("parses memory in binary and decimal units", () => {
    expect(parseMemory("512Mi")).toBe(512 * 1024 * 1024);
    expect(parseMemory("1Gi")).toBe(1024 ** 3);
    expect(parseMemory("1G")).toBe(1e9);
    expect(parseMemory("100")).toBe(100);
  });
  it("parses CPU as millicores", () => {
    expect([parseCpu("500m"), parseCpu(0.5), parseCpu("2"), parseCpu(1)]).toEqual([500, 500, 2000, 1000]);
  });
});

describe("interpolation of text", () => {
  const variables = { A: "1", EMPTY: "" };
  it("substitutes, defaults, and escapes", () => {
    expect(interpolateText("${A}-${B:-two}-$${A}-${EMPTY:-e}-${EMPTY-f}", variables)).toBe("1-two-${A}-e-");
  });
  it("reports missing variables and malformed references", () => {
    const missing: string[] = [];
    const malformed: string[] = [];
    interpolateText(
      "${NOPE} ${1BAD}",
      variables,
      (name) => missing.push(name),
      (text) => malformed.push(text),
    );
    expect(missing).toEqual(["NOPE"]);
    expect(malformed).toEqual(["${1BAD}"]);
  });
});

describe("messages", () => {
  it("describes found values", () => {
    expect([
      describeValue("x"),
      describeValue(3),
      describeValue([1]),
      describeValue({}),
      describeValue(null),
    ]).toEqual(['"x"', "3", "a list", "a map", "null"]);
    expect(describeValue(undefined)).toBe("nothing (the field is required)");
  });
  it("suggests close names only", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closestName("replcas", ["replicas", "routes"])).toBe("replicas");
    expect(closestName("zzzz", ["replicas", "routes"])).toBeUndefined();
  });
});
