import type { AbortOptions, Stream } from "@libp2p/interface";
import * as lp from "it-length-prefixed";

/** Length-prefixed frames read from a libp2p v3 stream (an AsyncIterable of byte chunks). */
export async function* readFrames(stream: Stream, maxDataLength: number): AsyncGenerator<Uint8Array> {
  for await (const frame of lp.decode(stream, { maxDataLength })) yield frame.subarray();
}

/** Writes one length-prefixed frame, waiting for the stream to drain when its buffer is full (backpressure). */
export async function writeFrame(
  stream: Stream,
  data: Uint8Array,
  options: AbortOptions = {},
): Promise<void> {
  if (!stream.send(lp.encode.single(data))) await stream.onDrain(options);
}
