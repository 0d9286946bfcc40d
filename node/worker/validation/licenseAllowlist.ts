/**
 * SPDX license identifiers accepted by default: public-domain dedications and permissive or share-alike open
 * licences that allow training and redistribution. Comparison is exact and case-sensitive, as SPDX ids are
 * (`CC-BY-4.0`, not `cc-by-4.0`), so a contributor cannot slip a look-alike past the list. Non-commercial
 * (`-NC-`) and no-derivatives (`-ND-`) variants are deliberately absent: a model trained on them is a
 * derivative work used commercially.
 */
export const DEFAULT_LICENSE_ALLOWLIST: readonly string[] = [
  "CC0-1.0",
  "CC-BY-4.0",
  "CC-BY-SA-4.0",
  "CC-BY-3.0",
  "CC-BY-SA-3.0",
  "MIT",
  "Apache-2.0",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "ODC-By-1.0",
  "ODbL-1.0",
  "PDDL-1.0",
  "CDLA-Permissive-2.0",
  "CDLA-Sharing-1.0",
  "Unlicense",
];
