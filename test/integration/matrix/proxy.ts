/** The proxy in front of a real lab of one version: that version's own kea-shell works through it;
 * malformed commands are answered as that version's Control Agent answers them (bug 6); a Kea
 * HTTP endpoint's 400 is bad_request (bug 4). */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { App } from '../../../src/app.js';
import { parseConfigText } from '../../../src/config/load.js';
import { MemoryLog } from '../../support/memory-log.js';
import { buildServer } from '../../../src/server/server.js';
import { value, type MatrixLab } from './setup.js';
import { pollAll } from '../../support/poll.js';

export const PROXY_ADMIN_PW = 'matrix-admin-pw';
export const PROXY_YAML = `proxy:
  enabled: true
  rateLimit: { max: 100000, window: 1m }
  users:
    - { name: admin, password: "${PROXY_ADMIN_PW}", role: admin }`;
const ADMIN = `Basic ${Buffer.from(`admin:${PROXY_ADMIN_PW}`).toString('base64')}`;

/** Drops what changes from one status-get to the next (seconds counters, what HA knows of the partner). */
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !['uptime', 'reload', 'remote', 'system-time'].includes(k))
      .map(([k, x]) => [k, stable(x)]),
  );
}

/** The result codes of an agent-style answer list. */
const results = (text: string): number[] => (JSON.parse(text) as { result: number }[]).map((a) => a.result);

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

export function proxyScenarios(m: () => MatrixLab, port: () => number): void {
  test("this version's own kea-shell through the proxy answers what the daemon answers", async () => {
    const { lab } = m();
    const shell = await lab.run('kea-shell', [
      '--host',
      '127.0.0.1',
      '--port',
      String(port()),
      '--path',
      'targets/server1/',
      '--service',
      'dhcp4',
      '--auth-user',
      'admin',
      '--auth-password',
      PROXY_ADMIN_PW,
      'status-get',
    ]);
    assert.equal(shell.code, 0, `${shell.stdout}\n${shell.stderr}`);
    const direct = await lab.command('primary', 'status-get');
    assert.deepEqual(stable(JSON.parse(shell.stdout)), stable([direct]));
    const bad = await lab.run('kea-shell', [
      '--host',
      '127.0.0.1',
      '--port',
      String(port()),
      '--path',
      'targets/server1/',
      '--auth-user',
      'admin',
      '--auth-password',
      'wrong',
      'status-get',
    ]);
    assert.match(bad.stdout + bad.stderr, /401|Unauthorized/);
  });

  test("bug 6: malformed commands get the answers this version's Control Agent gives, and reach no daemon", async () => {
    const { lab, version } = m();
    const bodies = ['{}', '{"command": 1}', '{"command": "status-get", "service": "dhcp4"}', '[]', '{"command": "no-such-command", "service": ["dhcp4"]}'];
    for (const body of bodies) {
      const agent = await post(lab.agentUrl, body);
      const proxy = await post(`http://127.0.0.1:${port()}/targets/agent/`, body, { authorization: ADMIN });
      assert.equal(proxy.status, agent.status, `${body}: status`);
      assert.equal(agent.status, 200, `${body}: the agent answers 200`);
      // The proxy speaks the 2.6/3.0 agent's words; 2.2's agent words some of them differently.
      if (version === '2.2') assert.deepEqual(results(proxy.text), results(agent.text), body);
      else assert.equal(proxy.text, agent.text, body);
    }
    const garbage = await post(`http://127.0.0.1:${port()}/targets/agent/`, 'not json', { authorization: ADMIN });
    assert.deepEqual([garbage.status, garbage.text], [400, (await post(lab.agentUrl, 'not json')).text]);
  });

  test("bug 4: a Kea HTTP endpoint's HTTP 400 (here: the Content-Type lost on the way) is bad_request", async () => {
    const { lab, features } = m();
    const upstream = new URL(features.httpSockets ? lab.httpUrls.primary! : lab.agentUrl);
    const auth = features.httpSockets ? `Basic ${Buffer.from(`${lab.httpAuth.username}:${lab.httpAuth.password}`).toString('base64')}` : undefined;
    // A relay that forwards the body but drops Content-Type, as a misconfigured reverse proxy might.
    const relay = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // agent: false, a connection per request: Kea closes the one it answered 400 on, and a
        // kept-alive socket reused after that would fail the relay's next request (reset), not Kea's.
        const out = http.request(
          {
            agent: false,
            host: upstream.hostname,
            port: upstream.port,
            path: '/',
            method: 'POST',
            headers: { 'content-length': Buffer.concat(chunks).length, ...(auth ? { authorization: auth } : {}) },
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        out.on('error', () => res.destroy());
        out.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const yaml = `poll: { interval: 1h, timeout: 3s }
statistics: { enabled: false }
targets:
  - { name: stripped, url: "http://127.0.0.1:${(relay.address() as AddressInfo).port}/", daemon: ${features.httpSockets ? 'dhcp4' : 'ca'} }`;
    const app = new App(parseConfigText(yaml, 'bad-request.yaml'), { log: new MemoryLog(), version: 'test' });
    try {
      await app.start();
      await pollAll(app);
      const text = (await buildServer(app).inject({ url: '/metrics' })).body;
      assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="stripped"'), 1);
      assert.match(text, /kea_exporter_poll_error_info\{target="stripped",daemon="[a-z0-9]+",reason="bad_request"\} 1/);
    } finally {
      await app.stop();
      await new Promise((r) => relay.close(r));
    }
  });
}
