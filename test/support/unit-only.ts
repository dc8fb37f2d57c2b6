/** Loaded by `npm run test:unit` beside guard.ts: a unit test runs in its own process, so starting
 * a program fails it, saying where such a test belongs (the rule: scripts/test-files.sh). */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

/** What a unit test may start: the makers of its fixtures, openssl (test certificates,
 * test/support/certs.ts) and mkfifo (a FIFO the config loader must refuse). */
const ALLOWED = new Set(['openssl', 'mkfifo']);

export function refuseOutsidePrograms(command: string): void {
  const program = basename(command.trim().split(/\s+/)[0] ?? '');
  if (ALLOWED.has(program)) return;
  throw new Error(
    `a unit test started ${program}: unit tests start no program. A test of real Kea belongs in test/integration/, ` +
      'one that runs promtool in <name>.promtool.test.ts, one that starts the exporter or Node in <name>.process.test.ts, ' +
      'the chart and image in test/helm/ (scripts/test-files.sh)',
  );
}

type Launcher = (command: string, ...rest: unknown[]) => unknown;
const launchers = childProcess as unknown as Record<string, Launcher>;
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync']) {
  const original = launchers[name]!;
  launchers[name] = function (this: unknown, command: string, ...rest: unknown[]): unknown {
    refuseOutsidePrograms(command);
    return original.call(this, command, ...rest);
  };
}
// `import { execFileSync } from 'node:child_process'` sees the wrapped functions too.
syncBuiltinESMExports();
