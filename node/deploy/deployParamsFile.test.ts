import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import { defaultDeployParams } from "../../contracts/deploy/deployContracts.ts";
import { formatOpen } from "./deployErrors.ts";
import { DeployParamsError, parseDeployParams, serializeDeployParams } from "./deployParamsFile.ts";

describe("parseDeployParams", () => {
  it("reads amounts as wei strings, safe integers or OPEN, and round-trips through serialize", () => {
    const parsed = parseDeployParams(
      {
        minStake: "0.5 OPEN",
        epochLength: 300,
        weiPerPoint: "1000000000000000",
        quorum: 3,
        treasury: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      },
      "p.json",
    );
    expect(parsed).toEqual({
      minStake: parseEther("0.5"),
      epochLength: 300n,
      weiPerPoint: 10n ** 15n,
      quorum: 3,
      treasury: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    });
    expect(parseDeployParams(serializeDeployParams(defaultDeployParams), "x")).toEqual(defaultDeployParams);
  });

  it("names the key of every illegal value, never passing one through", () => {
    const illegal: [string, unknown][] = [
      ["minStake", -1],
      ["minStake", "1.5"],
      ["minStake", "ten"],
      ["minStake", 1.5],
      ["minStake", null],
      ["minStake", 2 ** 60],
      ["quorum", "2"],
      ["quorum", -1],
      ["quorum", 2 ** 33],
      ["quorum", 1.5],
      ["treasury", "0x123"],
      ["treasury", 5],
      ["epochLenght", 30],
    ];
    for (const [key, value] of illegal) {
      expect(() => parseDeployParams({ [key]: value }, "p.json"), `${key}=${JSON.stringify(value)}`).toThrow(
        DeployParamsError,
      );
      try {
        parseDeployParams({ [key]: value }, "p.json");
      } catch (error) {
        expect((error as Error).message).toContain(key);
      }
    }
    for (const value of [null, [], "x", 3])
      expect(() => parseDeployParams(value, "p.json")).toThrow(DeployParamsError);
  });

  it("is total over random JSON: a result or a DeployParamsError, nothing else", () => {
    const random = mulberry32(3);
    const keys = [...Object.keys(defaultDeployParams), "treasury", "other"];
    const values = [0, 1, -1, 2 ** 53, 0.5, "1", "0.1 OPEN", "-1", "", null, true, {}, [], "0xabc"];
    for (let i = 0; i < 500; i++) {
      const input: Record<string, unknown> = {};
      for (let j = 0; j < 3; j++)
        input[keys[Math.floor(random() * keys.length)]!] = values[Math.floor(random() * values.length)];
      try {
        parseDeployParams(input, "r.json");
      } catch (error) {
        expect(error).toBeInstanceOf(DeployParamsError);
      }
    }
  });
});

describe("formatOpen", () => {
  it("rounds up to a millionth of OPEN, so a 'needs' figure is never short", () => {
    expect(formatOpen(0n)).toBe("0");
    expect(formatOpen(1n)).toBe("0.000001");
    expect(formatOpen(parseEther("100"))).toBe("100");
    expect(formatOpen(parseEther("1.25") + 1n)).toBe("1.250001");
  });
});
