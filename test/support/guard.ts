/** Loaded before every test file (scripts/test.sh): an unhandled rejection or uncaught exception
 * anywhere in the process, during a test or after it ended, fails the file. Node's runner alone
 * only reports activity after a test's end as a diagnostic. */
const fail =
  (kind: string) =>
  (err: unknown): void => {
    process.exitCode = 1;
    process.stderr.write(`test guard: ${kind}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  };
process.on('unhandledRejection', fail('unhandledRejection'));
process.on('uncaughtException', fail('uncaughtException'));
