/**
 * The protocol's JSONL-to-text rule: what the words of a `jsonl` Datanet's contribution are. Validation judges
 * (and de-duplicates) this text and attribution indexes it, so both read it here — two readings would let a
 * contribution be accepted as one text and attributed as another.
 *
 * - Records are separated by "\n"; one trailing newline ends the last record, a "\r" before "\n" is dropped.
 *   Any other empty line is a bad record.
 * - Each record is one JSON object.
 * - With `fields`, each must be an own string property, and the record's text is their values in that order;
 *   without, it is the values of every top-level string property with its keys sorted by Unicode code point
 *   (the order of their UTF-8 bytes, as most languages sort strings): not the document's order, and not
 *   JavaScript's own key order (integer-like keys first), so re-ordering keys changes nothing and another
 *   implementation needs no JavaScript rules. A key given twice counts once, with its last value (JSON.parse).
 * - The values are joined by one "\n" (no trailing newline). Nested values are not text: a record's depth
 *   costs nothing.
 * - A contribution's bytes become this text by `decodeText` (./decodeText.ts): UTF-8, one leading BOM dropped.
 */
export type JsonlLineError = "not_json" | "not_object" | "missing_field" | "field_not_string";

export type JsonlRecordTexts =
  | { ok: true; texts: string[] }
  /** The first bad record (1-based line): one is enough to reject, and junk then costs one exception. */
  | { ok: false; line: number; reason: JsonlLineError; field?: string };

export function jsonlRecordTexts(text: string, fields: readonly string[] = []): JsonlRecordTexts {
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const texts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!;
    const record = recordText(line, fields);
    if (typeof record !== "string") return { ok: false, line: i + 1, ...record };
    texts.push(record);
  }
  return { ok: true, texts };
}

function recordText(
  line: string,
  fields: readonly string[],
): string | { reason: JsonlLineError; field?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { reason: "not_json" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { reason: "not_object" };
  // JSON.parse makes `__proto__` an own data property, never a prototype; Object.hasOwn reads only own keys,
  // so `constructor` or `toString` never count as present through the prototype chain.
  const record = value as Record<string, unknown>;
  for (const field of fields) {
    if (!Object.hasOwn(record, field)) return { reason: "missing_field", field };
    if (typeof record[field] !== "string") return { reason: "field_not_string", field };
  }
  const keys = fields.length > 0 ? fields : Object.keys(record).sort(byCodePoint);
  const values: string[] = [];
  for (const k of keys) {
    const v = record[k];
    if (typeof v === "string") values.push(v);
  }
  return values.join("\n");
}

/** Unicode code point order (= UTF-8 byte order); a lone surrogate counts as its own code unit. */
export function byCodePoint(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}
