import { describe, expect, it } from "vitest";
import { readBody } from "./readBody.ts";

describe("readBody", () => {
  it("reads a body up to the limit, refuses a larger one, and stops reading an endless one", async () => {
    expect(await readBody(new Request("http://x", { method: "POST", body: "hello" }), 5)).toEqual({
      ok: true,
      text: "hello",
    });
    expect(await readBody(new Request("http://x", { method: "POST", body: "hello!" }), 5)).toEqual({
      ok: false,
    });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const streamed = new Request("http://x", {
      method: "POST",
      body: endless,
      duplex: "half",
    } as RequestInit);
    expect(await readBody(streamed, 4096)).toEqual({ ok: false });
    expect(pulled).toBeLessThan(16 * 1024 + 10);
    expect(await readBody(new Request("http://x"), 5)).toEqual({ ok: true, text: "" });
  });
});
