/** Issue 11 items 1 and 9 against real Kea (the newest version the lab runs) (kea-dhcp6 on its UNIX socket, and through the
 * Control Agent over HTTP): a command nested 5,000 deep never reaches Kea (which would abort on
 * ~50,000) and Kea keeps answering; an answer Kea sends promptly while the exporter's event
 * loop is blocked for three timeouts is accepted, not reported as a timeout. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeaError } from '../../src/errors.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { HttpTransport } from '../../src/transport/http.js';
import type { Transport } from '../../src/transport/transport.js';
import { UnixTransport } from '../../src/transport/unix.js';

let lab: Lab;
before(async () => {
  lab = await startLab({ daemons: ['dhcp6', 'ca'] });
});
after(async () => {
  await lab?.stop();
});

function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* the loop is blocked */
  }
}

const transports = (): [string, Transport, string[] | undefined][] => [
  ['unix', new UnixTransport(lab.sockets.dhcp6, 1 << 20), undefined],
  ['http (Control Agent)', new HttpTransport({ url: lab.agentUrl }, 1, 1 << 20), ['dhcp6']],
];

test('a 5,000-deep command is refused before Kea sees it; Kea answers the next one', async () => {
  let a: unknown = [];
  for (let i = 1; i < 5000; i++) a = [a];
  const pidBefore = ((await lab.command('dhcp6', 'status-get')) as { arguments: { pid: number } }).arguments.pid;
  for (const [kind, t, service] of transports()) {
    const err = await t.request({ command: 'status-get', ...(service ? { service } : {}), arguments: { a } }, 3000).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof KeaError && err.code === 'too_deep', `${kind}: ${String(err)}`);
    assert.match(await t.request({ command: 'status-get', ...(service ? { service } : {}) }, 3000), /"result": 0/, kind);
    await t.close();
  }
  const pidAfter = ((await lab.command('dhcp6', 'status-get')) as { arguments: { pid: number } }).arguments.pid;
  assert.equal(pidAfter, pidBefore, 'the same kea-dhcp6 process');
});

test('real Kea answers while the loop is blocked 600 ms, timeout 200 ms: accepted every time', async () => {
  for (const [kind, t, service] of transports()) {
    await t.request({ command: 'status-get', ...(service ? { service } : {}) }, 3000);
    for (let i = 0; i < 3; i++) {
      const p = t.request({ command: 'status-get', ...(service ? { service } : {}) }, 200).then(
        (x) => x,
        (e: unknown) => e,
      );
      stall(600);
      const r = await p;
      assert.equal(typeof r, 'string', `${kind} round ${i}: ${r instanceof KeaError ? `${r.code}: ${r.message}` : String(r)}`);
    }
    await t.close();
  }
});
