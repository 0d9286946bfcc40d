import { describe, expect, it } from "vitest";
import { byCodePoint, jsonlRecordTexts } from "./jsonlRecordTexts.ts";

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

  it("orders keys by Unicode code point (UTF-8 byte order): not document order, not JavaScript's key order", () => {
    // JavaScript lists integer-like keys first ("2" before "10"); document order would give b, 10, 2, a.
    expect(jsonlRecordTexts('{"b":"B","10":"ten","2":"two","a":"A"}')).toEqual({
      ok: true,
      texts: ["ten\ntwo\nA\nB"],
    });
    // Above U+FFFF, code points and UTF-16 code units disagree: U+FF21 (one unit, 0xFF21) sorts before
    // U+1F600 (code units 0xD83D 0xDE00), as their UTF-8 bytes do (EF BC A1 < F0 9F 98 80).
    expect(
      jsonlRecordTexts('{"\u{1F600}":"emoji","\uFF21":"fullwidth A","é":"e"}'.replace(/\\u\{1F600\}/, "😀")),
    ).toEqual({
      ok: true,
      texts: ["e\nfullwidth A\nemoji"],
    });
    const keys = ["😀", "\uFF21", "é", "Z", "a", "10", "2", "", "\uD800"];
    const sorted = [...keys].sort(byCodePoint);
    const utf8 = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x, "utf8"), Buffer.from(y, "utf8")));
    // A lone surrogate has no UTF-8 form; apart from it, the order is exactly UTF-8 byte order.
    expect(sorted.filter((k) => k !== "\uD800")).toEqual(utf8.filter((k) => k !== "\uD800"));
  });

  it("joins values with exactly one newline, keeps a repeated key's last value once, and keeps empty values", () => {
    expect(jsonlRecordTexts('{"a":"x","b":"","c":"y"}')).toEqual({ ok: true, texts: ["x\n\ny"] });
    expect(jsonlRecordTexts('{"a":"first","b":"B","a":"last"}')).toEqual({ ok: true, texts: ["last\nB"] });
    expect(jsonlRecordTexts('{"a":"line\\nbreak","b":"end"}')).toEqual({
      ok: true,
      texts: ["line\nbreak\nend"],
    });
  });
});
