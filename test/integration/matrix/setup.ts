/** One real Kea lab of a version plus the exporter watching every daemon of it, for the scenario
 * matrix (test/integration/matrix.test.ts). Each scenario file registers its tests on a MatrixLab. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { App } from '../../../src/app.js';
import { parseConfigText } from '../../../src/config/load.js';
import { hashPublisher } from '../../../src/kea/published-hash.js';
import { daemonsFor, type LabDaemon } from '../../../src/lab/daemons.js';
import { keaInstall, type KeaFeatures, type KeaVersion } from '../../../src/lab/kea-install.js';
import { startLab, type Lab } from '../../../src/lab/lab.js';
import { MemoryLog } from '../../support/memory-log.js';
import { buildServer } from '../../../src/server/server.js';
import { pollAll, pollAllStatistics } from '../../support/poll.js';

export const HASH_KEY = 'matrix-hash-key-0123456789';
export const publish = hashPublisher(HASH_KEY);

export interface MatrixLab {
  version: KeaVersion;
  features: KeaFeatures;
  lab: Lab;
  app: App;
  log: MemoryLog;
  /** Polls every daemon (and statistics), then renders /metrics. */
  metrics(): Promise<string>;
  /** metrics() until `pred` holds or `timeoutMs` passes (returns the last text either way). */
  until(pred: (text: string) => boolean, timeoutMs: number): Promise<string>;
}

/** Value of the one series whose name matches and whose labels contain `labels` (a substring). */
export function value(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Value of kea_ha_state (or another HA family) of a target in a state, whatever its relationship
 * label (the partner's role on 2.2, its server name from 2.6, the own role without a partner). */
export function haValue(text: string, target: string, state: string, family = 'kea_ha_state'): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${family}{target="${target}",`) && l.includes(`,state="${state}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Every series line of a target. */
export const seriesOf = (text: string, target: string): string[] => text.split('\n').filter((l) => !l.startsWith('#') && l.includes(`target="${target}"`));

/** A statistic's newest value from a statistic-get-all answer. */
export function keaStat(all: unknown, name: string): number {
  const samples = (all as { arguments: Record<string, [number, string][]> }).arguments[name];
  assert.ok(samples, `Kea has no statistic ${name}`);
  return samples[0]![0];
}

/** Kea's own rule (2.4+ config-hash-get), applied here independently of src/: SHA-256, uppercase hex,
 * of the arguments map as printed in a bare config-get answer, without its "hash" member. */
export function keaRuleHash(configGetText: string): string {
  const start = configGetText.indexOf('"arguments": ') + '"arguments": '.length;
  let args = configGetText.slice(start, configGetText.lastIndexOf(', "result": 0'));
  args = args.replace(/, "hash": "[0-9A-F]{64}" \}$/, ' }');
  return createHash('sha256').update(args).digest('hex').toUpperCase();
}

/** The daemons every version's matrix lab runs: everything it has but the lease-laden server. */
export const matrixDaemons = (features: KeaFeatures): LabDaemon[] => daemonsFor(features).filter((d) => d !== 'leases');

function targetsYaml(lab: Lab, f: KeaFeatures): string {
  const s = lab.sockets;
  const lines = [
    `- { name: server1, socket: "${s.primary}", daemon: dhcp4, labels: { ha_pair: lab } }`,
    `- { name: server2, socket: "${s.standby}", daemon: dhcp4, labels: { ha_pair: lab } }`,
    `- { name: dhcp6, socket: "${s.dhcp6}" }`,
    `- { name: ddns, socket: "${s.d2}", daemon: d2 }`,
    `- { name: agent, url: "${lab.agentUrl}" }`,
    `- { name: traffic, socket: "${s.traffic}", daemon: dhcp4 }`,
    `- { name: pb1, socket: "${s['pb-primary']}", daemon: dhcp4 }`,
    `- { name: pb2, socket: "${s['pb-backup']}", daemon: dhcp4 }`,
    // Bug 1: the wrong kind configured.
    `- { name: wrong4as6, socket: "${s.primary}", daemon: dhcp6 }`,
    `- { name: wrong6asd2, socket: "${s.dhcp6}", daemon: d2 }`,
  ];
  if (f.v6Traffic) lines.push(`- { name: traffic6, socket: "${s.traffic6}" }`);
  if (f.hubAndSpoke) {
    lines.push(`- { name: hub, socket: "${s.hub}", daemon: dhcp4 }`, `- { name: spoke1, socket: "${s.spoke1}", daemon: dhcp4 }`);
  }
  if (f.httpSockets) {
    const auth = `auth: { username: ${lab.httpAuth.username}, password: "${lab.httpAuth.password}" }`;
    const tls = lab.tls!;
    lines.push(
      // Bug 2: a daemon's own HTTP socket, no daemon given.
      `- { name: http4, url: "${lab.httpUrls.primary}", ${auth} }`,
      `- { name: http6, url: "${lab.httpUrls.dhcp6}", ${auth} }`,
      `- { name: httpd2, url: "${lab.httpUrls.d2}", ${auth} }`,
      `- { name: http4as6, url: "${lab.httpUrls.primary}", ${auth}, daemon: dhcp6 }`,
      `- { name: httpnoauth, url: "${lab.httpUrls.dhcp6}", daemon: dhcp6 }`,
      // Bug 5: TLS with and without the client certificate the socket requires.
      `- { name: tlsok, url: "${tls.url}", daemon: dhcp4, tls: { ca: "${tls.ca}", cert: "${tls.clientCert}", key: "${tls.clientKey}" } }`,
      `- { name: tlsnocert, url: "${tls.url}", daemon: dhcp4, tls: { ca: "${tls.ca}" } }`,
    );
  }
  return lines.map((l) => `  ${l}`).join('\n');
}

/** Starts the lab and the exporter; `stop` undoes both. */
export async function startMatrixLab(version: KeaVersion, extraYaml = ''): Promise<MatrixLab & { stop(): Promise<void> }> {
  const features = keaInstall(version).features;
  const lab = await startLab({ version, daemons: matrixDaemons(features) });
  const log = new MemoryLog();
  const yaml = `hashKey: ${HASH_KEY}
poll: { interval: 1h, timeout: 3s }
statistics: { interval: 1h }
${extraYaml}
targets:
${targetsYaml(lab, features)}
`;
  let app: App;
  try {
    app = new App(parseConfigText(yaml, `matrix-${version}.yaml`), { log, version: 'test' });
    await app.start();
  } catch (err) {
    await lab.stop();
    throw err;
  }
  const metrics = async () => {
    await pollAll(app);
    await pollAllStatistics(app);
    const res = await buildServer(app).inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    return res.body;
  };
  const until = async (pred: (t: string) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let text = await metrics();
    while (!pred(text) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      text = await metrics();
    }
    return text;
  };
  return {
    version,
    features,
    lab,
    app,
    log,
    metrics,
    until,
    async stop() {
      await app.stop();
      await lab.stop();
    },
  };
}
