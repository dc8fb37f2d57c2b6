/** The parent's side of load-child.ts: forks it (through tsx), starts the load, waits for every
 * request's outcome, closes what is still open. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HalfOpenResult, LoadOptions, Outcome } from './clients.js';
import type { FromLoad, ToLoad } from './load-child.js';

export interface LoadProcess {
  /** Starts the load; resolves with every request's outcome (gaveUp: the deadline cut the rest off). */
  run(options: Omit<LoadOptions, 'inspect'>, secrets: { name: string; value: string }[], deadlineMs: number): Promise<{ outcomes: Outcome[]; gaveUp: boolean }>;
  /** Closes the pools and the half-open connections; their record, and the secrets seen. */
  close(): Promise<{ halfOpen: HalfOpenResult; leaks: string[] }>;
  kill(): void;
}

/** Forks the child and waits until it is ready to run (tsx has loaded it). */
export async function forkLoad(): Promise<LoadProcess> {
  const script = fileURLToPath(new URL('./load-child.ts', import.meta.url));
  const root = fileURLToPath(new URL('../../../', import.meta.url)); // where tsx resolves
  const child: ChildProcess = fork(script, [], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  const next = <T extends FromLoad['type']>(type: T, timeoutMs: number) =>
    new Promise<Extract<FromLoad, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`storm load child: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: FromLoad) => {
        if (m.type === type) done(undefined, m as Extract<FromLoad, { type: T }>);
        else if (m.type === 'error') done(new Error(`storm load child failed: ${m.message}`));
      };
      const onExit = (code: number | null) => done(new Error(`storm load child exited (${code}) before "${type}"`));
      function done(err: Error | undefined, m?: Extract<FromLoad, { type: T }>) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve(m!);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  try {
    await next('ready', 30_000);
  } catch (err) {
    kill();
    throw err;
  }
  return {
    async run(options, secrets, deadlineMs) {
      const settled = next('settled', deadlineMs + 30_000);
      child.send({ type: 'run', options, secrets, deadlineMs } satisfies ToLoad);
      const { outcomes, gaveUp } = await settled;
      return { outcomes, gaveUp };
    },
    async close() {
      const closed = next('closed', 30_000);
      child.send({ type: 'close' } satisfies ToLoad);
      const { halfOpen, leaks } = await closed;
      return { halfOpen, leaks };
    },
    kill,
  };
}
