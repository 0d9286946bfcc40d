import { type Abi, type AbiEvent, type AbiParameter, decodeAbiParameters, type Hex } from "viem";

/**
 * Strings on-chain are arbitrary bytes; Postgres `text` cannot hold NUL and the ABI decoder replaces invalid
 * UTF-8 with U+FFFD. So the index keeps both: a display text and the exact bytes as hex (`<field>Hex`).
 *
 * Display rule (the one place it is defined): the UTF-8 decoding of the bytes, with invalid sequences and NUL
 * each shown as U+FFFD. Clients that need the value the chain holds read the `…Hex` column.
 */
export function displayText(decoded: string): string {
  return decoded.includes("\u0000") ? decoded.replaceAll("\u0000", "\uFFFD") : decoded;
}

type RawStrings = (data: Hex) => Record<string, Hex>;
const decoders = new WeakMap<Abi, Map<string, RawStrings>>();

/**
 * Returns a decoder of an event's non-indexed `string` fields as their exact bytes, by field name. The ABI
 * encoding of `string` and `bytes` is the same, so the log's data is decoded again with `bytes` in their place.
 */
export function rawStringsOf(abi: Abi, eventName: string): RawStrings {
  const byEvent = decoders.get(abi) ?? new Map<string, RawStrings>();
  decoders.set(abi, byEvent);
  const cached = byEvent.get(eventName);
  if (cached) return cached;
  const event = abi.find((x): x is AbiEvent => x.type === "event" && x.name === eventName);
  if (!event) throw new Error(`rawStringsOf: the ABI has no event ${eventName}`);
  const data = event.inputs.filter((i) => !i.indexed);
  const asBytes: AbiParameter[] = data.map((i) => (i.type === "string" ? { ...i, type: "bytes" } : i));
  const names = data.map((i) => (i.type === "string" ? i.name : undefined));
  const decode: RawStrings = (hex) => {
    const values = decodeAbiParameters(asBytes, hex);
    const out: Record<string, Hex> = {};
    names.forEach((name, i) => {
      if (name) out[name] = values[i] as Hex;
    });
    return out;
  };
  byEvent.set(eventName, decode);
  return decode;
}
