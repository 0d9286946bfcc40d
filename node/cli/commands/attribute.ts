import {
  ATTRIBUTE_CLI_OPTIONS,
  ATTRIBUTE_CLI_USAGE,
  runAttributeCli,
} from "../../attribution/attributeCli.ts";
import { type Command, EXIT } from "../command.ts";

export const attributeCommand: Command = {
  name: ["attribute"],
  summary: "Index a folder of text and attribute a model output to it (the PoA engine, offline)",
  usage: ATTRIBUTE_CLI_USAGE.map((u) => `olnode attribute ${u}`).join(" | "),
  help: [
    "index: tokenizes every .txt/.jsonl file of <folder> (one contribution each) into a suffix-array index file.",
    "trace: attributes the text in <outputFile> against the index and prints the spans, the contributions'",
    "weights in parts per million and the result root, as JSON. --min-span and --max-entries explore other",
    "parameters; claims are only verified with the protocol's. See node/attribution/README.md.",
  ].join("\n"),
  options: ATTRIBUTE_CLI_OPTIONS,
  allowPositionals: true,
  async run({ args, stdout, stderr }) {
    const code = runAttributeCli(args, { stdout: (t) => stdout.write(t), stderr: (t) => stderr.write(t) });
    return code === 0 ? EXIT.ok : code;
  },
};
