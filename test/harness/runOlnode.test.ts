import { describe, expect, it } from "vitest";
import { runOlnode } from "./runOlnode.ts";

describe("runOlnode", () => {
  it("collects a run's exit code and both streams", async () => {
    const help = await runOlnode(["--help"], process.env);
    expect(help).toMatchObject({ code: 0, signal: null, stderr: "" });
    expect(help.stdout).toContain("Usage: olnode <command>");

    const unknown = await runOlnode(["no-such-command"], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain('unknown command "no-such-command"');
  });
});
