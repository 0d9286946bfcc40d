const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/**
 * The text of a contribution or an output, the same whether it arrives as bytes or as a string: bytes are
 * UTF-8 (an invalid sequence becomes U+FFFD), and one leading byte-order mark (U+FEFF) is dropped from either
 * form — it marks the encoding, it is not text. Any other U+FEFF is kept (as a zero-width no-break space).
 */
export function decodeText(content: string | Uint8Array): string {
  if (typeof content !== "string") return decoder.decode(content);
  return content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
}
