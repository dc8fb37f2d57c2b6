/** A Control Agent given without services: the daemons behind it follow its configuration,
 * read once per config hash. A service added to its control-sockets is polled in the round that
 * reads the new configuration; one removed is dropped with its series. Through the real Target
 * (fake clock) and through App (/metrics). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import { keaHandler, type FakeHandler } from '../../test/support/fake-kea.js';
import { testTarget } from '../../test/support/target.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'discovery-'))));
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

type Sockets = Record<string, unknown>;
type AgentConfig = { 'control-sockets': Sockets };

/** A 2.6 agent with dhcp4, dhcp6 and d2 behind it; `configGets` counts the agent's own. */
async function agentSetup(now: () => number) {
  const ca = keaHandler({ version: '2.6', daemon: 'ca', pid: 50, now });
  let configGets = 0;
  const self: FakeHandler = (cmd) => {
    if (cmd.command === 'config-get') configGets++;
    return ca(cmd);
  };
  const daemons = {
    dhcp4: keaHandler({ version: '2.6', daemon: 'dhcp4', now }),
    dhcp6: keaHandler({ version: '2.6', daemon: 'dhcp6', now }),
    d2: keaHandler({ version: '2.6', daemon: 'd2', now }),
  };
  const agent = await FakeAgent.start({ self, services: { ...daemons } });
  closers.push(() => agent.close());
  const sockets = (): Sockets =>
    structuredClone((ca({ command: 'config-get' }) as { arguments: { 'Control-agent': AgentConfig } }).arguments['Control-agent']['control-sockets']);
  const full = sockets();
  /** The agent's configuration now forwards to these services (and the fake agent with it). */
  const forwardTo = (services: (keyof typeof daemons)[]) => {
    const config = structuredClone((ca({ command: 'config-get' }) as { arguments: { 'Control-agent': AgentConfig } }).arguments['Control-agent']);
    config['control-sockets'] = Object.fromEntries(services.map((s) => [s, full[s]]));
    ca.reloadConfig(config);
    agent.services = Object.fromEntries(services.map((s) => [s, daemons[s]]));
  };
  return { agent, ca: ca, forwardTo, configGets: () => configGets };
}

test("services follow the agent's configuration: one removed is dropped with its series, one added is polled in that round", async () => {
  let clock = 1_800_000_000_000;
  const a = await agentSetup(() => clock);
  const t = testTarget(`{ name: a, url: "${a.agent.url}" }`, { settings: 'poll: { timeout: 2s }', now: () => clock });
  closers.push(() => t.close());
  const keys = (m: Map<string, unknown>) => [...m.keys()].sort();
  let polled = await t.poll();
  assert.deepEqual(keys(polled), ['a|d2', 'a|dhcp4', 'a|dhcp6', 'a|self']);
  assert.ok(
    [...polled.values()].every((s) => s.up),
    JSON.stringify([...polled.values()].map((s) => s.error)),
  );
  assert.deepEqual(keys(await t.target.pollStatistics()), ['a|d2#statistics', 'a|dhcp4#statistics', 'a|dhcp6#statistics']);
  assert.equal(a.configGets(), 1);

  // A minute on (a poll sees it), the agent's configuration drops d2.
  clock += 60_000;
  await t.poll();
  a.forwardTo(['dhcp4', 'dhcp6']);
  clock += 5_000;
  polled = await t.poll();
  assert.equal(a.configGets(), 2, 'one config-get for the new configuration');
  assert.deepEqual(keys(polled), ['a|dhcp4', 'a|dhcp6', 'a|self'], 'd2 is not delivered from the round that dropped it');
  assert.deepEqual(t.gone, ['a|d2', 'a|d2#statistics'], "its series (and its statistics') go");
  assert.deepEqual(t.target.seriesKeys().sort(), [
    'a|dhcp4',
    'a|dhcp4#perfmon',
    'a|dhcp4#statistics',
    'a|dhcp6',
    'a|dhcp6#perfmon',
    'a|dhcp6#statistics',
    'a|self',
    'a|self#perfmon',
    'a|self#statistics',
  ]);
  assert.equal(t.target.endpointFor('d2'), undefined, 'proxied d2 commands: not configured, as the agent says');
  assert.ok(t.target.endpointFor('dhcp4'));
  assert.ok(t.log.lines.some((l) => l.msg === 'the services behind the Control Agent changed'));
  clock += 5_000;
  await t.poll();
  assert.equal(a.configGets(), 2, 'same configuration, no config-get');

  // d2 comes back: polled in the round that reads the configuration naming it.
  clock += 60_000;
  await t.poll();
  a.forwardTo(['dhcp4', 'dhcp6', 'd2']);
  clock += 5_000;
  polled = await t.poll();
  assert.deepEqual(keys(polled), ['a|d2', 'a|dhcp4', 'a|dhcp6', 'a|self']);
  assert.equal(polled.get('a|d2')?.up, true, polled.get('a|d2')?.error?.message);
  assert.equal(polled.get('a|d2')?.daemon, 'd2');
  assert.ok(t.target.endpointFor('d2'));
  assert.equal(a.configGets(), 3);
});

test("configured services are not discovered: the agent's configuration changing changes nothing", async () => {
  let clock = 1_800_000_000_000;
  const a = await agentSetup(() => clock);
  const t = testTarget(`{ name: a, url: "${a.agent.url}", services: [dhcp4] }`, { settings: 'poll: { timeout: 2s }', now: () => clock });
  closers.push(() => t.close());
  await t.poll();
  clock += 60_000;
  await t.poll();
  a.forwardTo(['dhcp4', 'dhcp6']);
  clock += 5_000;
  assert.deepEqual([...(await t.poll()).keys()].sort(), ['a|dhcp4', 'a|self']);
  assert.deepEqual(t.gone, []);
});

test("App: a service dropped by the agent's configuration leaves /metrics", async () => {
  let clock = 1_800_000_000_000;
  const a = await agentSetup(() => clock);
  const yaml = `poll: { interval: 1h, timeout: 2s }\nstatistics: { interval: 1h }\ntargets: [{ name: a, url: "${a.agent.url}" }]\n`;
  const app = new App(parseConfigText(yaml, path.join(dir, 'c.yaml'), {}), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
  try {
    const t = app.targets[0]!;
    await app.scheduler.pollTarget(t);
    const daemons = async () => new Set([...(await app.renderer.render(false)).body.matchAll(/daemon="([^"]+)"/g)].map((m) => m[1]));
    assert.deepEqual([...(await daemons())].sort(), ['ca', 'd2', 'dhcp4', 'dhcp6']);
    // App's pollers run on the wall clock: Kea's reload going back (a minute, then 0) is the commit.
    clock += 60_000;
    await app.scheduler.pollTarget(t);
    a.forwardTo(['dhcp4', 'dhcp6']);
    await app.scheduler.pollTarget(t);
    assert.deepEqual([...(await daemons())].sort(), ['ca', 'dhcp4', 'dhcp6'], 'no series of d2 left, statistics included');
  } finally {
    await app.stop();
  }
});
