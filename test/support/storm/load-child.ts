/** Child process: the storm's load generator (clients.ts), driven over IPC. Apart from the
 * process that runs the relay and the samplers, so that the generator's own work (thousands of
 * sockets, answers to read and check) never delays Kea's answers through the relay nor the
 * kea_up samples: what the storm measures is the exporter. */
import { startLoad, type HalfOpenResult, type LoadOptions, type Load, type Outcome } from './clients.js';

export type ToLoad = { type: 'run'; options: Omit<LoadOptions, 'inspect'>; secrets: { name: string; value: string }[]; deadlineMs: number } | { type: 'close' };
export type FromLoad =
  | { type: 'ready' }
  | { type: 'settled'; outcomes: Outcome[]; gaveUp: boolean }
  | { type: 'closed'; halfOpen: HalfOpenResult; leaks: string[] }
  | { type: 'error'; message: string };

const ABORT_GRACE_MS = 5000;
const send = (m: FromLoad) => process.send!(m);
const fail = (err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  process.disconnect();
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

let load: Load | undefined;
const leaks = new Set<string>();

process.on('message', (m: ToLoad) => {
  if (m.type === 'run') {
    const inspect = (text: string) => {
      for (const s of m.secrets) if (text.includes(s.value)) leaks.add(`${s.name} in an answer`);
    };
    const l = startLoad({ ...m.options, inspect });
    load = l;
    let sent = false;
    let gaveUp = false;
    const settle = () => {
      if (sent) return;
      sent = true;
      clearTimeout(deadline);
      send({ type: 'settled', outcomes: l.outcomes(), gaveUp });
    };
    // At the deadline the pools are destroyed; what has not settled shortly after is reported
    // as such rather than waited for.
    const deadline = setTimeout(() => {
      gaveUp = true;
      void l.abort();
      setTimeout(settle, ABORT_GRACE_MS);
    }, m.deadlineMs);
    l.done.then(settle, fail);
  } else if (m.type === 'close') {
    if (!load) return fail(new Error('close before run'));
    load.close().then((halfOpen) => {
      send({ type: 'closed', halfOpen, leaks: [...leaks] });
      process.disconnect(); // nothing left: the child exits
    }, fail);
  }
});
send({ type: 'ready' });
