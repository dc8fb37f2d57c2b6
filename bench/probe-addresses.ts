/** Memory of the addresses /probe holds (module=): N fake Kea 2.6 kea-dhcp4 (the captures'
 * status, configuration and statistics, in this process) probed once each, the heap before and
 * after, and after they are dropped idle. Not part of npm run bench.
 *
 *   node --expose-gc --import tsx bench/probe-addresses.ts      (N=2000 by default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../src/app.js';
import { parseConfigText } from '../src/config/load.js';
import { buildServer } from '../src/server/server.js';
import { startFakeFleet } from '../test/support/fake-kea.js';
import { MemoryLog } from '../test/support/memory-log.js';

const N = Number(process.env.N ?? 2000);
const IDLE_S = 20;
if (!global.gc) throw new Error('run with node --expose-gc');
const gc = global.gc;
const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const dir = mkdtempSync(path.join(tmpdir(), 'bench-probe-'));
const fleet = await startFakeFleet(N, dir, { version: '2.6' });
const yaml = `poll: { interval: 1h, timeout: 3s, background: false }
statistics: { interval: 1h }
targets: []
probe: { allow: ["${dir}/*"], maxTargets: ${N}, idleAfter: ${IDLE_S}s }
modules: { kea: { daemon: dhcp4 } }
`;
const app = new App(parseConfigText(yaml, 'c.yaml'), { log: new MemoryLog(), version: 'bench', processMetrics: false });
await app.start();
const server = buildServer(app);
const held = async (): Promise<string | undefined> => /^kea_exporter_probe_targets (\d+)$/m.exec((await server.inject({ url: '/metrics' })).body)?.[1];
try {
  const h0 = heapMb();
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < N; i += 50) {
    const rs = await Promise.all(fleet.paths.slice(i, i + 50).map((p) => server.inject({ url: `/probe?target=${encodeURIComponent(p)}&module=kea` })));
    ok += rs.filter((r) => r.statusCode === 200).length;
  }
  const ms = performance.now() - t0;
  const h1 = heapMb();
  console.log(`${N} addresses probed once (${ok} answered 200) in ${ms.toFixed(0)} ms, ${await held()} held`);
  console.log(`heap +${(h1 - h0).toFixed(1)} MB: ${(((h1 - h0) * 1024) / N).toFixed(1)} KB per held address`);
  await new Promise((r) => setTimeout(r, IDLE_S * 1.5 * 1000));
  console.log(`after ${IDLE_S * 1.5} s idle: ${await held()} held, heap +${(heapMb() - h0).toFixed(1)} MB over the start`);
} finally {
  await app.stop();
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
}
