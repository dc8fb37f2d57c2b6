import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePorts } from './processes.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test("lab ports lie below the kernel's ephemeral range (where no outgoing connection takes them), distinct, and bindable", async () => {
  const [tcp, udp] = await Promise.all([freePorts('tcp', 40), freePorts('udp', 40)]);
  const all = [...tcp, ...udp];
  assert.equal(new Set(all).size, all.length, 'no port given twice in one process, TCP and UDP alike');
  for (const p of all) assert.ok(p >= 10_000 && p < ephemeralLow, `${p} is below ${ephemeralLow}`);
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(tcp[0], '127.0.0.1', resolve);
  });
  await new Promise((r) => s.close(r));
});
