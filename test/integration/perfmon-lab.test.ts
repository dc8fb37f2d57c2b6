/** DHCP response time from PerfMon on real Kea: the lab's 'traffic' kea-dhcp4 loads
 * libdhcp_perfmon.so (2.6+, intervals of TRAFFIC_PERFMON_INTERVAL_SECS), real perfdhcp traffic
 * runs, and the exporter polls it. On 3.0 the exported counters grow with the traffic and equal
 * what Kea reported: the sums over every completed interval (read from Kea here as well) and
 * Kea's own count of offers sent. On 2.6, whose hook has no commands, the exporter sees that in
 * list-commands and never sends perfmon-get-all-durations. Fails loudly when Kea cannot start. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { TRAFFIC_PERFMON_INTERVAL_SECS, TRAFFIC_SUBNETS } from '../../src/lab/dhcp4-configs.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import type { KeaVersion } from '../../src/lab/kea-install.js';
import { PERFMON_COMMAND } from '../../src/kea/perfmon.js';
import { PERFMON_DURATION, PERFMON_INTERVAL, PERFMON_MAX, PERFMON_OCCURRENCES } from '../../src/render/prometheus/perfmon.js';
import { MemoryLog } from '../support/memory-log.js';
import { waitFor } from '../support/prometheus.js';

const WIDTH_MS = TRAFFIC_PERFMON_INTERVAL_SECS * 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one family in a text exposition (the exporter's own label escaping is not
 * needed here: lab label values have no quotes). */
function samples(text: string, family: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== family) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

type KeaDuration = {
  'duration-key': { 'query-type': string; 'response-type': string; 'start-event': string; 'stop-event': string; 'subnet-id': number };
  'start-time': string;
  occurrences: number;
  'total-duration-usecs': number;
  'max-duration-usecs': number;
};
const keyOf = (d: KeaDuration): string => {
  const k = d['duration-key'];
  return `${k['subnet-id']}|${k['query-type']}|${k['response-type']}|${k['start-event']}-${k['stop-event']}`;
};
const keyOfSample = (s: Sample): string => `${s.labels.subnet_id}|${s.labels.query}|${s.labels.response}|${s.labels.stage}`;

/** What Kea reported, read the way an operator would: every completed interval of every key,
 * each once (by its start time), summed; the last one's max. */
class KeaSums {
  readonly sums = new Map<string, { occurrences: number; usecs: number; max: number; seen: Set<string> }>();

  async read(lab: Lab, daemon: 'traffic' | 'traffic6' = 'traffic'): Promise<void> {
    const a = (await lab.command(daemon, PERFMON_COMMAND)) as { result: number; arguments?: { durations?: KeaDuration[] } };
    assert.ok(a.result === 0 || a.result === 3, JSON.stringify(a).slice(0, 300));
    for (const d of a.arguments?.durations ?? []) {
      if (d['start-time'] === '<none>') continue;
      const s = this.sums.get(keyOf(d)) ?? { occurrences: 0, usecs: 0, max: 0, seen: new Set<string>() };
      this.sums.set(keyOf(d), s);
      if (s.seen.has(d['start-time'])) continue;
      s.seen.add(d['start-time']);
      s.occurrences += d.occurrences;
      s.usecs += d['total-duration-usecs'];
      s.max = d['max-duration-usecs'];
    }
  }
}

/** Runs fn while `kea` reads what the daemon reports, more often than an interval lasts: no
 * interval is missed. */
async function whileReading(lab: Lab, daemon: 'traffic' | 'traffic6', kea: KeaSums, fn: () => Promise<void>): Promise<void> {
  let reading = true;
  const reader = (async () => {
    while (reading) {
      await kea.read(lab, daemon);
      await sleep(200);
    }
  })();
  try {
    await fn();
  } finally {
    reading = false;
    await reader;
  }
  await kea.read(lab, daemon);
}

/** Kea's own count of a global statistic (pkt4-offer-sent). */
async function statistic(lab: Lab, name: string, daemon: 'traffic' | 'traffic6' = 'traffic'): Promise<number> {
  const a = (await lab.command(daemon, 'statistic-get', { name })) as { arguments: Record<string, [number, string][]> };
  return a.arguments[name]?.[0]?.[0] ?? 0;
}

function perfmonStack(version: KeaVersion, v6: boolean) {
  let lab: Lab | undefined;
  let app: App | undefined;
  before(async () => {
    lab = await startLab({ version, daemons: v6 ? ['traffic', 'traffic6'] : ['traffic'] });
    const yaml = `poll: { interval: 1s, timeout: 900ms }
statistics: { interval: 1s }
targets:
  - { name: traffic, socket: ${lab.sockets.traffic}, daemon: dhcp4 }
${v6 ? `  - { name: traffic6, socket: ${lab.sockets.traffic6}, daemon: dhcp6 }\n` : ''}`;
    app = new App(parseConfigText(yaml, 'perfmon-lab.yaml'), { log: new MemoryLog(), version: 'test', processMetrics: false });
    await app.start();
  });
  after(async () => {
    await app?.stop();
    await lab?.stop();
  });
  return {
    lab: () => lab!,
    metrics: async () => (await app!.renderer.render(false)).body,
    probe: async () => {
      const p = await app!.probe({ target: 'traffic', openMetrics: false });
      return p && p !== 'busy' && 'body' in p ? p.body.toString('utf8') : JSON.stringify(p);
    },
  };
}

describe('Kea 3.0: PerfMon durations, polled on their own timer, equal what Kea reported', () => {
  const stack = perfmonStack('3.0', true);
  const subnet1 = { subnet_id: String(TRAFFIC_SUBNETS.loopback), query: 'DHCPDISCOVER', response: 'DHCPOFFER', stage: 'composite-total_response' };
  const offers = async (): Promise<number | undefined> =>
    samples(await stack.metrics(), PERFMON_OCCURRENCES).find(
      (s) => s.labels.target === 'traffic' && Object.entries(subnet1).every(([k, v]) => s.labels[k] === v),
    )?.value;

  test('the counters grow with perfdhcp traffic and equal the sums over the intervals Kea reported', async () => {
    const lab = stack.lab();
    // Listed, polled: the interval width is exported before any traffic (Kea: result 3, "0 found").
    const width = await waitFor('the interval width exported', 20_000, async () => samples(await stack.metrics(), PERFMON_INTERVAL)[0]);
    assert.equal(width.value, TRAFFIC_PERFMON_INTERVAL_SECS);
    assert.deepEqual(samples(await stack.metrics(), PERFMON_OCCURRENCES), [], 'no durations before traffic');

    // What Kea reports is read here too.
    const kea = new KeaSums();
    await whileReading(lab, 'traffic', kea, async () => {
      // Each burst is far shorter than an interval; the wait after it outlasts one, so the next
      // burst's first exchange completes the interval (Kea rolls intervals on a new sample).
      await lab.perfdhcp({ rate: 100, count: 50 });
      const afterFirst = await statistic(lab, 'pkt4-offer-sent');
      await sleep(WIDTH_MS + 500);
      await lab.perfdhcp({ rate: 100, count: 20 });
      const first = await waitFor(`${afterFirst} offers counted`, 20_000, async () => ((await offers()) === afterFirst ? afterFirst : undefined));
      const beforeLast = await statistic(lab, 'pkt4-offer-sent');
      assert.ok(beforeLast > first, `${beforeLast} offers after the second burst`);
      await sleep(WIDTH_MS + 500);
      await lab.perfdhcp({ rate: 100, count: 10 });
      // Every offer before the last burst is in a completed interval: the counter has them all.
      await waitFor(`${beforeLast} offers counted (Kea's pkt4-offer-sent)`, 20_000, async () => ((await offers()) === beforeLast ? true : undefined));
    });

    // Every key: the exporter's counters are Kea's sums, its max the last interval's.
    const text = await stack.metrics();
    const v4 = (s: Sample) => s.labels.target === 'traffic';
    const occurrences = samples(text, PERFMON_OCCURRENCES).filter(v4);
    const seconds = new Map(
      samples(text, PERFMON_DURATION)
        .filter(v4)
        .map((s) => [keyOfSample(s), s.value]),
    );
    const max = new Map(
      samples(text, PERFMON_MAX)
        .filter(v4)
        .map((s) => [keyOfSample(s), s.value]),
    );
    assert.equal(occurrences.length, kea.sums.size, `keys: exported ${occurrences.map(keyOfSample).join(', ')}; Kea ${[...kea.sums.keys()].join(', ')}`);
    for (const s of occurrences) {
      const k = keyOfSample(s);
      const want = kea.sums.get(k);
      assert.ok(want, `${k} not reported by Kea`);
      assert.equal(s.value, want.occurrences, `${k}: occurrences`);
      assert.equal(seconds.get(k), want.usecs / 1e6, `${k}: seconds`);
      assert.equal(max.get(k), want.max / 1e6, `${k}: max`);
      assert.equal(s.labels.target, 'traffic');
      assert.equal(s.labels.daemon, 'dhcp4');
      // Subnet 0 (global) has no prefix; no subnet is in a shared network: those labels are left out.
      assert.equal(s.labels.subnet, s.labels.subnet_id === '0' ? undefined : '127.0.0.0/8', `${k}: the subnet's prefix`);
      assert.equal(s.labels.shared_network, undefined);
    }
    // GET /probe?target=traffic has them too.
    const probed = samples(await stack.probe(), PERFMON_OCCURRENCES).filter(v4);
    assert.equal(probed.length, occurrences.length, 'the probe renders the PerfMon series');
    const stages = new Set(occurrences.map((s) => s.labels.stage));
    for (const stage of [
      'socket_received-buffer_read',
      'buffer_read-mt_queued',
      'mt_queued-process_started',
      'process_started-process_completed',
      'composite-total_response',
    ]) {
      assert.ok(stages.has(stage), `stage ${stage} in ${[...stages].join(', ')}`);
    }
  });
  test("DHCPv6: the SOLICIT/ADVERTISE exchanges of a completed interval equal Kea's pkt6-advertise-sent and its report", async () => {
    const lab = stack.lab();
    const solicits = async (): Promise<number | undefined> =>
      samples(await stack.metrics(), PERFMON_OCCURRENCES).find(
        (s) =>
          s.labels.target === 'traffic6' &&
          s.labels.subnet_id === '1' &&
          s.labels.query === 'SOLICIT' &&
          s.labels.response === 'ADVERTISE' &&
          s.labels.stage === 'composite-total_response',
      )?.value;
    const kea = new KeaSums();
    await whileReading(lab, 'traffic6', kea, async () => {
      await lab.perfdhcp({ family: 6, rate: 100, count: 30 });
      const advertised = await statistic(lab, 'pkt6-advertise-sent', 'traffic6');
      await sleep(WIDTH_MS + 500);
      await lab.perfdhcp({ family: 6, rate: 100, count: 10 });
      await waitFor(`${advertised} advertises counted`, 20_000, async () => ((await solicits()) === advertised ? true : undefined));
    });
    const text = await stack.metrics();
    const v6 = samples(text, PERFMON_OCCURRENCES).filter((s) => s.labels.target === 'traffic6' && s.value > 0);
    assert.ok(v6.length >= 10, `v6 keys: ${v6.map(keyOfSample).join(', ')}`);
    for (const s of v6) assert.equal(s.value, kea.sums.get(keyOfSample(s))?.occurrences, `${keyOfSample(s)}: Kea's completed intervals`);
    assert.ok(v6.some((s) => s.labels.query === 'REQUEST' && s.labels.response === 'REPLY' && s.labels.subnet === '2001:db8:1::/64'));
  });
});

describe('Kea 2.6: the PerfMon hook without commands is never asked for durations', () => {
  const stack = perfmonStack('2.6', false);

  test('list-commands is asked, perfmon-get-all-durations never sent, no PerfMon series', async () => {
    const lab = stack.lab();
    await lab.perfdhcp({ rate: 100, count: 20 });
    const log = lab.logFile('traffic');
    // Kea logs each command it receives (COMMAND_RECEIVED, INFO).
    await waitFor('the exporter asked list-commands', 20_000, async () => ((await readFile(log, 'utf8')).includes("'list-commands'") ? true : undefined));
    // A few perfmon lanes later (the statistics interval: 1 s), still nothing sent.
    await sleep(3_000);
    assert.doesNotMatch(await readFile(log, 'utf8'), /perfmon-get-all-durations/);
    const text = await stack.metrics();
    assert.doesNotMatch(text, /^kea_perfmon_|^kea_exporter_perfmon_/m);
    assert.match(text, /^kea_dhcp4_packets_received_total\{/m, 'the statistics are polled');
  });
});
