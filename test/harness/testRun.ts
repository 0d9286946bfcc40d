/**
 * What marks a test run's own files and processes, so that its leak check counts only what this run made
 * while other runs share the machine:
 * - TMPDIR: globalSetup points it at a fresh folder for the run; every temp dir of the run lands there, and every
 *   process of the run inherits it (the tests' clean environments drop OLNODE* variables, not this).
 * - OLTEST_WORKER: each test file's worker sets its pid, so a failed test's processes can be told from those of
 *   the file running beside it.
 */
export const RUN_DIR_PREFIX = "olnode-run-";
export const WORKER_ENV = "OLTEST_WORKER";
/** Entries of the run dir that are the machine's shared caches, linked in, not the run's leftovers. */
export const SHARED_ENTRIES = [/^olnode-ports$/, /^olnode-postgres-bin-\d/];
