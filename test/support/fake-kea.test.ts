import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeKea, GARBAGE, fixtureText, keaHandler, keaStringify, startFakeFleet } from './fake-kea.js';

const dir = mkdtempSync(join(tmpdir(), 'fake-kea-'));
let n = 0;
const sockPath = (): string => join(dir, `t${n++}.sock`);
const started = new Set<FakeKea>();
/** Every fake is closed at the end even when an assertion fails first (else the run hangs). */
async function start(opts: Omit<Parameters<typeof FakeKea.start>[0], 'path'> = {}): Promise<FakeKea> {
  const f = await FakeKea.start({ path: sockPath(), ...opts });
  started.add(f);
  return f;
}
after(async () => {
  await Promise.all([...started].map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  data: Buffer;
  chunks: number;
  timedOut: boolean;
  ms: number;
}

/** Plain client: writes the parts (with a gap between them), reads until the server closes. */
function talk(path: string, parts: string | string[], opts: { timeoutMs?: number; gapMs?: number } = {}): Promise<Reply> {
  const list = typeof parts === 'string' ? [parts] : parts;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = net.connect(path);
    const bufs: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      s.destroy();
    }, opts.timeoutMs ?? 5000);
    s.on('data', (c: Buffer) => bufs.push(c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(bufs), chunks: bufs.length, timedOut, ms: performance.now() - t0 });
    });
    void (async () => {
      for (const [i, p] of list.entries()) {
        if (i > 0) await sleep(opts.gapMs ?? 30);
        if (!s.destroyed) s.write(p);
      }
    })();
  });
}

const json = (r: Reply): Record<string, unknown> => JSON.parse(r.data.toString('utf8')) as Record<string, unknown>;
const STATUS = '{ "command": "status-get" }';

describe('FakeKea wire behaviour', () => {
  test('answers one command like a 2.2 kea-dhcp4, then closes', async () => {
    const f = await start({ handler: keaHandler({ version: '2.2', daemon: 'dhcp4', pid: 77 }) });
    const r = await talk(f.path, STATUS);
    const a = json(r);
    assert.equal(a.result, 0);
    assert.equal((a.arguments as Record<string, unknown>).pid, 77);
    assert.equal(r.data.at(-1), 0x7d, 'no trailing newline, like Kea');
    assert.deepEqual(f.commands, ['status-get']);
    assert.equal(f.connections, 1);
    await f.close();
    assert.equal(existsSync(f.path), false, 'socket file removed');
  });

  test('answers as soon as the object is complete, ignoring what follows', async () => {
    const f = await start();
    // The client never half-closes: the answer must come from brace matching alone.
    const r = await talk(f.path, ['{ "command": "vers', 'ion-get", "arguments": { "x": "}{" } }', ' trailing junk {']);
    assert.equal(json(r).text, '2.2.0');
    assert.deepEqual(f.commands, ['version-get']);
    await f.close();
  });

  test('non-JSON request: result 1 "invalid first character", as captured', async () => {
    const f = await start();
    const r = await talk(f.path, 'this is garbage');
    assert.equal(r.data.toString(), fixtureText('2.2.0/dhcp4.garbage-request.json'));
    await f.close();
  });

  test('incomplete command: timed-out answer after the idle limit', async () => {
    const f = await start({ idleTimeoutMs: 100 });
    const r = await talk(f.path, '{ "command": "stat');
    assert.equal(json(r).result, 1);
    assert.match(String(json(r).text), /^Connection over control channel timed out/);
    await f.close();
  });

  test('garbage: non-JSON bytes then close', async () => {
    const f = await start({ behaviour: { kind: 'garbage' } });
    const r = await talk(f.path, STATUS);
    assert.deepEqual(r.data, GARBAGE);
    assert.throws(() => json(r));
    await f.close();
  });

  test('truncated: first half of a valid answer then close', async () => {
    const f = await start({ behaviour: { kind: 'truncated' } });
    const r = await talk(f.path, '{ "command": "config-get" }');
    f.behaviour = { kind: 'answer' };
    const full = (await talk(f.path, '{ "command": "config-get" }')).data;
    assert.equal(r.data.length, Math.floor(full.length / 2));
    assert.deepEqual(r.data, full.subarray(0, r.data.length));
    assert.throws(() => json(r));
    await f.close();
  });

  test('close: EOF without a byte, after the command or at accept', async () => {
    const f = await start({ behaviour: { kind: 'close' } });
    const r = await talk(f.path, STATUS);
    assert.equal(r.data.length, 0);
    assert.equal(r.timedOut, false);
    assert.deepEqual(f.commands, ['status-get']);
    f.behaviour = { kind: 'close', immediately: true };
    const r2 = await talk(f.path, STATUS);
    assert.equal(r2.data.length, 0);
    assert.equal(f.commands.length, 1, 'second command never read');
    await f.close();
  });

  test('hang: no answer until the server closes', async () => {
    const f = await start({ behaviour: { kind: 'hang' } });
    const pending = talk(f.path, STATUS, { timeoutMs: 10_000 });
    await sleep(300);
    assert.equal(f.openConnections, 1);
    await f.close();
    const r = await pending;
    assert.equal(r.data.length, 0);
    assert.equal(r.timedOut, false, 'server close ended the connection');
  });

  test('slow: answers after the delay', async () => {
    const f = await start({ behaviour: { kind: 'slow', delayMs: 250 } });
    const r = await talk(f.path, STATUS);
    assert.ok(r.ms >= 240, `took ${r.ms} ms`);
    assert.equal(json(r).result, 0);
    await f.close();
  });

  test('oversized: a valid answer of about the requested size', async () => {
    const bytes = 5 * 1024 * 1024;
    const f = await start({ behaviour: { kind: 'oversized', bytes } });
    const r = await talk(f.path, '{ "command": "statistic-get-all" }', { timeoutMs: 20_000 });
    assert.ok(Math.abs(r.data.length - bytes) < bytes * 0.01, `got ${r.data.length} bytes`);
    assert.ok(r.chunks > 10, `arrived in ${r.chunks} reads`);
    const a = json(r);
    assert.equal(a.result, 0);
    assert.ok(Object.keys(a.arguments as object).length > 50_000);
    await f.close();
  });

  test('chunked: a valid answer over many small writes', async () => {
    const f = await start({ behaviour: { kind: 'chunked', chunkBytes: 16 } });
    const r = await talk(f.path, STATUS);
    assert.equal(json(r).result, 0);
    assert.ok(r.chunks > 5, `arrived in ${r.chunks} reads`);
    await f.close();
  });

  test('closes its end right after answering, as Kea does: back-to-back commands never overlap', async () => {
    const f = await start();
    for (let i = 0; i < 20; i++) {
      const r = await talk(f.path, STATUS); // never half-closes: the server must close
      assert.equal(json(r).result, 0);
      assert.equal(f.openConnections, 0);
    }
    assert.equal(f.maxConcurrent, 1);
    assert.equal(f.connections, 20);
  });

  test('counts connections and the highest concurrency', async () => {
    const f = await start({ behaviour: { kind: 'hang' } });
    const pending = Array.from({ length: 5 }, () => talk(f.path, STATUS, { timeoutMs: 10_000 }));
    while (f.openConnections < 5) await sleep(10);
    assert.equal(f.maxConcurrent, 5);
    await f.close();
    await Promise.all(pending);
    assert.equal(f.connections, 5);
    assert.equal(f.maxConcurrent, 5);
  });
});

describe('keaHandler', () => {
  test('2.2: config-hash-get unsupported, exact text; unknown commands', () => {
    const h = keaHandler({ version: '2.2', daemon: 'dhcp4' });
    assert.deepEqual(h({ command: 'config-hash-get' }), JSON.parse(fixtureText('2.2.0/dhcp4.config-hash-get.json')));
    assert.deepEqual(h({ command: 'no-such-command' }), JSON.parse(fixtureText('2.2.0/dhcp4.unknown-command.json')));
    assert.equal(h.hash, undefined);
    const cfg = h({ command: 'config-get' }) as { arguments: Record<string, unknown> };
    assert.deepEqual(Object.keys(cfg.arguments), ['Dhcp4']);
    const st = h({ command: 'status-get' }) as { arguments: Record<string, unknown> };
    assert.equal(st.arguments['multi-threading-enabled'], false, 'MT off by default on 2.2');
  });

  test('2.4: hash is 64 uppercase hex, the same in config-get; MT on by default', () => {
    const h = keaHandler({ version: '2.4', daemon: 'dhcp4' });
    const a = h({ command: 'config-hash-get' }) as { arguments: { hash: string } };
    assert.match(a.arguments.hash, /^[0-9A-F]{64}$/);
    const cfg = h({ command: 'config-get' }) as { arguments: { hash: string; Dhcp4: unknown } };
    assert.equal(cfg.arguments.hash, a.arguments.hash);
    const st = h({ command: 'status-get' }) as { arguments: Record<string, unknown> };
    assert.equal(st.arguments['multi-threading-enabled'], true);
    assert.equal(st.arguments['thread-pool-size'], 4);
  });

  test("2.6 / 3.0: the captured config-get byte for byte and Kea's own hash of it", () => {
    const cases = [
      ['2.6', 'captures/2.6.3', 'dhcp4', 'dhcp4-ha-primary'],
      ['2.6', 'captures/2.6.3', 'dhcp6', 'dhcp6'],
      ['2.6', 'captures/2.6.3', 'd2', 'd2'],
      ['3.0', 'captures/3.0.4', 'dhcp4', 'dhcp4-ha-lb-primary'],
      ['3.0', 'captures/3.0.4', 'dhcp6', 'dhcp6'],
      ['3.0', 'captures/3.0.4', 'ca', 'ca'],
    ] as const;
    for (const [version, dir, daemon, name] of cases) {
      const h = keaHandler({ version, daemon, ha: 'primary' });
      // The agent's own answers were captured through it: a one-element list.
      const wire = (command: string): string => keaStringify(daemon === 'ca' ? [h({ command })] : h({ command }));
      assert.equal(wire('config-get'), fixtureText(`${dir}/${name}.config-get.json`), `${version} ${daemon}`);
      assert.equal(wire('config-hash-get'), fixtureText(`${dir}/${name}.config-hash-get.json`), `${version} ${daemon}`);
    }
  });

  test('uptime and reload follow the clock; restart, reloadConfig, setHaState', () => {
    let now = 1_000_000;
    const h = keaHandler({ version: '2.6', daemon: 'dhcp4', ha: 'primary', pid: 100, now: () => now });
    const status = (): Record<string, unknown> => (h({ command: 'status-get' }) as { arguments: Record<string, unknown> }).arguments;
    now += 65_500;
    assert.equal(status().uptime, 65);
    assert.equal(status().reload, 65);
    const hash0 = h.hash;
    h.reloadConfig({ Dhcp4: { 'valid-lifetime': 99 } });
    assert.notEqual(h.hash, hash0);
    assert.equal(status().reload, 0);
    assert.equal(status().uptime, 65);
    now += 3000;
    h.restart(200);
    assert.equal(status().pid, 200);
    assert.equal(status().uptime, 0);
    h.setHaState('partner-down', 'unavailable');
    const ha = (status()['high-availability'] as Array<{ 'ha-servers': Record<string, Record<string, unknown>> }>)[0]!;
    assert.equal(ha['ha-servers'].local!.state, 'partner-down');
    assert.equal(ha['ha-servers'].remote!['last-state'], 'unavailable');
    assert.equal(ha['ha-servers'].remote!['server-name'], 'server2');
  });

  test('version-specific fields', () => {
    const s = (o: Parameters<typeof keaHandler>[0]): Record<string, unknown> =>
      (keaHandler(o)({ command: 'status-get' }) as { arguments: Record<string, unknown> }).arguments;
    assert.deepEqual(Object.keys(s({ version: '3.0', daemon: 'd2' })).sort(), ['pid', 'reload', 'uptime']);
    assert.equal(s({ version: '2.6', daemon: 'dhcp6' })['extended-info-tables'], false);
    assert.equal(s({ version: '2.4', daemon: 'dhcp4' })['dhcp-state'], undefined);
    const ha = s({ version: '3.0', daemon: 'dhcp4', ha: 'standby' })['high-availability'] as Array<{ 'ha-servers': Record<string, Record<string, unknown>> }>;
    assert.match(String(ha[0]!['ha-servers'].local!['system-time']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(ha[0]!['ha-servers'].remote!['clock-skew'], 0);
    const v = keaHandler({ version: '3.0', daemon: 'dhcp4' })({ command: 'version-get' }) as { arguments: { extended: string } };
    assert.equal(v.arguments.extended.split('\n')[0], '3.0.4 (3.0.4 (tarball))');
  });

  test('statistic-get-all is served byte for byte (128-bit counters intact)', async () => {
    const f = await start({ handler: keaHandler({ version: '2.2', daemon: 'dhcp6' }) });
    const r = await talk(f.path, '{ "command": "statistic-get-all" }');
    assert.equal(r.data.toString(), fixtureText('2.2.0/dhcp6.statistic-get-all.json'));
    await f.close();
  });
});

describe('fixtures', () => {
  const root = new URL('../fixtures/kea/', import.meta.url);
  test('every fixture is one line of valid JSON without a trailing newline', () => {
    for (const v of ['2.2.0', 'captures/2.2.0', 'captures/2.6.3', 'captures/3.0.4']) {
      for (const f of readdirSync(new URL(`${v}/`, root))) {
        const text = readFileSync(new URL(`${v}/${f}`, root), 'utf8');
        assert.doesNotThrow(() => JSON.parse(text), `${v}/${f}`);
        assert.ok(!text.endsWith('\n'), `${v}/${f}`);
      }
    }
  });
});

describe('startFakeFleet', () => {
  let fleetDir = '';
  before(() => {
    fleetDir = mkdtempSync(join(tmpdir(), 'fleet-'));
  });
  after(() => rmSync(fleetDir, { recursive: true, force: true }));

  test('1,000 daemons within the default descriptor limit', async (t) => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before0 = fds();
    const t0 = performance.now();
    const fleet = await startFakeFleet(1000, fleetDir);
    t.after(() => fleet.close());
    const started = performance.now() - t0;
    assert.equal(fleet.servers.length, 1000);
    assert.ok(fds() - before0 >= 1000, 'one listening descriptor per daemon');
    for (const i of [0, 1, 498, 499, 998, 999]) {
      const a = json(await talk(fleet.paths[i]!, STATUS)).arguments as Record<string, unknown>;
      assert.equal(a.pid, 10_000 + i);
      assert.equal(a['high-availability'] !== undefined, i % 2 === 0, `daemon ${i}`);
    }
    await fleet.close();
    assert.ok(fds() - before0 < 10, 'descriptors released');
    assert.equal(readdirSync(fleetDir).length, 0, 'socket files removed');
    t.diagnostic(`started in ${started.toFixed(0)} ms`);
  });
});
