import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileContracts, contractsRoot, renderGenerated } from "./compileContracts.ts";

/** `npm run build:contracts`: recompiles contracts/src and rewrites contracts/generated (commit the result). */
const outDir = join(contractsRoot, "generated");
const files = renderGenerated(compileContracts());
mkdirSync(outDir, { recursive: true });
for (const name of readdirSync(outDir))
  if (name.endsWith(".ts") && !files.has(name)) rmSync(join(outDir, name));
for (const [name, content] of files) writeFileSync(join(outDir, name), content);
console.log(`Wrote ${files.size} files to ${outDir}`);
