import { describe, expect, it } from "vitest";
import { readBody } from "./readBody.ts";

describe("readBody", () => {
  it("reads a body up to the limit and refuses a larger one by its Content-Length or as it streams", async () => {
    expect(await readBody(new Request("http://x", { method: "POST", body: "hello" }), 5)).toEqual({
      ok: true,
      text: "hello",
    });
    expect(await readBody(new Request("http://x", { method: "POST", body: "hello!" }), 5)).toEqual({
      ok: false,
    });
    const declared = new Request("http://x", {
      method: "POST",
      body: "hi",
      headers: { "content-length": "999999" },
    });
    expect(await readBody(declared, 10)).toEqual({ ok: false });
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
    expect(pulled).toBeLessThan(10);
    expect(await readBody(new Request("http://x"), 5)).toEqual({ ok: true, text: "" });
  });
});
