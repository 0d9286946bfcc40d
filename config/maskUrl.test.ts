import { describe, expect, it } from "vitest";
import { mulberry32 } from "./common/mulberry32.ts";
import { maskUrl, maskUrlsInText } from "./maskUrl.ts";

describe("maskUrl", () => {
  it.each([
    ["postgres://u:pa#ss@h/db", "postgres://u:***@h/db"],
    [
      "postgres://olnode:s3cr/et@db:5432/olnode?sslmode=require",
      "postgres://olnode:***@db:5432/olnode?sslmode=***",
    ],
    ["postgres://olnode:p@ss@db:99999/olnode", "postgres://olnode:***@db:99999/olnode"],
    ["mysql://root:hunter2@db/x", "mysql://root:***@db/x"],
    ["postgres://olnode@db/olnode", "postgres://olnode@db/olnode"],
    ["https://user:password@rpc.example.com", "https://user:***@rpc.example.com"],
    ["https://0123456789abcdef@rpc.example.com/", "https://***@rpc.example.com/"],
    ["https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161", "https://mainnet.infura.io/v3/***"],
    ["https://opt-mainnet.g.alchemy.com/v2/AbCdEfGh12345678", "https://opt-mainnet.g.alchemy.com/v2/***"],
    ["wss://x.quiknode.pro/ab12cd34/", "wss://x.quiknode.pro/***/"],
    ["https://rpc.example.com/eth?apikey=KEY123&chain=1", "https://rpc.example.com/eth?apikey=***&chain=***"],
    ["http://op-geth:8545", "http://op-geth:8545"],
    ["http://127.0.0.1:8545/rpc/v1", "http://127.0.0.1:8545/rpc/v1"],
    ["not a url", "not a url"],
  ])("%s -> %s", (input, masked) => {
    expect(maskUrl(input)).toBe(masked);
  });

  it("never lets a random password through, whatever characters it holds", () => {
    const random = mulberry32(19);
    const alphabet = "abcXYZ019:@#/?&=%!$+.~-_";
    for (let i = 0; i < 2000; i++) {
      let password = "";
      const length = 6 + Math.floor(random() * 20);
      for (let j = 0; j < length; j++) password += alphabet[Math.floor(random() * alphabet.length)];
      password = `Q${password}Z`; // cannot be confused with the rest of the URL
      for (const scheme of ["postgres", "https", "wss"]) {
        const masked = maskUrl(`${scheme}://user:${password}@host.example:5432/db`);
        expect(masked, password).not.toContain(password);
        expect(masked).toContain("host.example");
      }
    }
  });
});

describe("maskUrlsInText", () => {
  it("masks URLs inside a JSON log line, where viem's newlines are escaped", () => {
    const error = new Error(
      "HTTP request failed.\n\nURL: http://user:pa55word@127.0.0.1:8545/v3/9aa3d95b3bc440fa88ea12eaa4456161\nRequest body: {}",
    );
    const line = JSON.stringify({ level: 40, error: { message: error.message } });
    const masked = maskUrlsInText(line);
    expect(masked).not.toMatch(/pa55word|9aa3d95b3bc440fa88ea12eaa4456161/);
    expect(masked).toContain("URL: http://user:***@127.0.0.1:8545/v3/***\\nRequest body");
  });

  it("masks every URL in a message and leaves the words around them", () => {
    const text =
      'HTTP request failed.\nURL: https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161\nexpected a postgres:// URL, got "postgres://u:pa#ss@h:x/db"';
    const masked = maskUrlsInText(text);
    expect(masked).toBe(
      'HTTP request failed.\nURL: https://mainnet.infura.io/v3/***\nexpected a postgres:// URL, got "postgres://u:***@h:x/db"',
    );
  });
});
