import { type Hex, keccak256 } from "viem";
import { ValidationInputError } from "./validationErrors.ts";
import type { ValidationReport } from "./validationTypes.ts";

/**
 * Canonical JSON, so that anyone holding a report recomputes the same bytes and hash:
 * - object keys sorted by UTF-16 code units (JavaScript's default sort), no whitespace;
 * - bigint as a decimal string, numbers only as safe integers (a float anywhere is a bug, and throws);
 * - strings escaped as `JSON.stringify` does (lone surrogates as \udxxx); keys whose value is `undefined` are
 *   omitted, `null` is kept; arrays keep their order;
 * - UTF-8 bytes of the result.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "bigint":
      return `"${value.toString(10)}"`;
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new ValidationInputError(`Canonical JSON holds integers only, got ${value}.`, {
          hint: "Scale the value to an integer (basis points, parts per million) before encoding.",
        });
      }
      return String(value);
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      if (ArrayBuffer.isView(value)) {
        throw new ValidationInputError("Canonical JSON has no binary values.", {
          hint: "Encode bytes as 0x-prefixed hex first.",
        });
      }
      const entries = Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(",")}}`;
    }
    default:
      throw new ValidationInputError(`Canonical JSON cannot encode a ${typeof value}.`);
  }
}

const encoder = new TextEncoder();

export function encodeReport(report: ValidationReport): Uint8Array {
  return encoder.encode(canonicalJson(report));
}

/** keccak256 of `encodeReport(report)`: the `resultHash` a worker attests. */
export function reportHash(report: ValidationReport): Hex {
  return keccak256(encodeReport(report));
}
