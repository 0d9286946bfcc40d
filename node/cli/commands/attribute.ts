import { runAttributeCli } from "../../attribution/attributeCli.ts";
import { type Command, EXIT } from "../command.ts";

export const attributeCommand: Command = {
  name: ["attribute"],
  summary: "Index a folder of text and attribute a model output to it (the PoA engine, offline)",
  usage:
    "olnode attribute index <folder> <indexFile> [--tokenizer <id>] | olnode attribute trace <indexFile> <outputFile>",
  help: [
    "index: tokenizes every .txt/.jsonl file of <folder> (one contribution each) into a suffix-array index file.",
    "trace: attributes the text in <outputFile> against the index and prints the spans, the contributions'",
    "weights in parts per million and the result root, as JSON. See node/attribution/README.md.",
  ].join("\n"),
  options: { tokenizer: { type: "string" } },
  allowPositionals: true,
  async run({ args, stdout, stderr }) {
    const code = runAttributeCli(args, { stdout: (t) => stdout.write(t), stderr: (t) => stderr.write(t) });
    return code === 0 ? EXIT.ok : code;
  },
};
