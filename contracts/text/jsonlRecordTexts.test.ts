import { describe, expect, it } from "vitest";
import { jsonlRecordTexts } from "./jsonlRecordTexts.ts";

describe("jsonlRecordTexts", () => {
  it("reads each record's top-level string fields in sorted key order", () => {
    expect(jsonlRecordTexts('{"q":"why","a":"because","n":3,"deep":{"x":"no"}}\n')).toEqual({
      ok: true,
      texts: ["because\nwhy"],
    });
    // Key order does not matter; a CRLF line ending does not either.
    expect(jsonlRecordTexts('{"a":"because","q":"why"}\r\n')).toEqual({ ok: true, texts: ["because\nwhy"] });
  });

  it("reads only the named fields, in the order named, and requires them as strings", () => {
    const line = '{"answer":"4","prompt":"2+2","id":"x"}';
    expect(jsonlRecordTexts(line, ["prompt", "answer"])).toEqual({ ok: true, texts: ["2+2\n4"] });
    expect(jsonlRecordTexts(line, ["prompt", "source"])).toEqual({
      ok: false,
      line: 1,
      reason: "missing_field",
      field: "source",
    });
    expect(jsonlRecordTexts('{"prompt":5}', ["prompt"])).toMatchObject({ reason: "field_not_string" });
    // Only own properties count: the prototype's `toString` is no field.
    expect(jsonlRecordTexts('{"prompt":"x"}', ["toString"])).toMatchObject({ reason: "missing_field" });
  });

  it("names the first bad line: not JSON, not an object, or an empty line before the end", () => {
    expect(jsonlRecordTexts('{"a":"x"}\n{oops\n{"a":"y"}')).toEqual({
      ok: false,
      line: 2,
      reason: "not_json",
    });
    expect(jsonlRecordTexts('{"a":"x"}\n"bare"\n')).toMatchObject({ line: 2, reason: "not_object" });
    expect(jsonlRecordTexts('{"a":"x"}\n[1]\n')).toMatchObject({ line: 2, reason: "not_object" });
    expect(jsonlRecordTexts('{"a":"x"}\n\n{"a":"y"}\n')).toMatchObject({ line: 2, reason: "not_json" });
    expect(jsonlRecordTexts("")).toMatchObject({ ok: false, line: 1, reason: "not_json" });
  });

  it("is total over random bytes-as-text: an answer, never a throw, and deterministic", () => {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    const alphabet = ['{"', '"}', '":"', "\n", "\r", ",", "[", "]", "a", "__proto__", "\\", "1", " ", "null"];
    for (let i = 0; i < 2_000; i++) {
      let text = "";
      for (let j = next() % 30; j > 0; j--) text += alphabet[next() % alphabet.length];
      const fields = next() % 3 === 0 ? ["a"] : [];
      const first = jsonlRecordTexts(text, fields);
      expect(jsonlRecordTexts(text, fields)).toEqual(first);
      if (first.ok) expect(first.texts.length).toBeGreaterThan(0);
      else expect(first.line).toBeGreaterThanOrEqual(1);
    }
  });
});
