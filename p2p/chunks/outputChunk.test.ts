import { describe, expect, it } from "vitest";
import { chunkOutput, OutputChunkError, outputCommitment, outputTopicDatanet } from "./outputChunk.ts";

describe("the output-chunk rule", () => {
  it("puts an output in one chunk on the topic of the model's lowest-id Datanet", () => {
    const bytes = new TextEncoder().encode("an answer ".repeat(500));
    const chunked = chunkOutput({ modelDatanetIds: [7n, 3n, 12n], bytes });
    expect(chunked.count).toBe(1);
    expect(chunked.datanetId).toBe(3n);
    expect(chunked.messages[0]!.bytes).toEqual(bytes);
    expect(outputTopicDatanet([12n, 3n])).toBe(3n);
    const c = outputCommitment({
      outputRoot: chunked.dataRoot,
      modelDatanets: [
        { id: 12n, maxChunkBytes: 1000 },
        { id: 3n, maxChunkBytes: 65_536 },
      ],
    });
    expect(c).toEqual({
      dataRoot: chunked.dataRoot,
      datanetId: 3n,
      chunkCount: 1,
      byteSize: 0n,
      status: "accepted",
      maxChunkBytes: 65_536,
    });
  });

  it("refuses what cannot travel as one chunk, and a model without Datanets", () => {
    expect(() =>
      chunkOutput({ modelDatanetIds: [1n], bytes: new Uint8Array(11), maxChunkBytes: 10 }),
    ).toThrow(OutputChunkError);
    expect(() => outputTopicDatanet([])).toThrow(/no Datanets/);
    expect(outputCommitment({ outputRoot: `0x${"00".repeat(32)}`, modelDatanets: [] })).toBeUndefined();
  });
});
