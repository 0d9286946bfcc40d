/** Beyond this a refused body is not even drained: the connection is cut (the client sees a reset, not 413). */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * A request body read up to `maxBytes`. A larger one is refused without being kept or parsed: its remainder is
 * drained (so the client, still sending, gets to read the 413) unless it is over MAX_DRAIN_BYTES, declared or
 * streamed, when reading stops at once.
 */
export async function readBody(
  request: Request,
  maxBytes: number,
): Promise<{ ok: true; text: string } | { ok: false }> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > MAX_DRAIN_BYTES) {
    await request.body?.cancel().catch(() => undefined);
    return { ok: false };
  }
  if (!request.body) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DRAIN_BYTES) {
      await reader.cancel().catch(() => undefined);
      return { ok: false };
    }
    if (size <= maxBytes) chunks.push(value);
  }
  return size > maxBytes ? { ok: false } : { ok: true, text: Buffer.concat(chunks).toString("utf8") };
}
