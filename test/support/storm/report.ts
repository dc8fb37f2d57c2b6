/** The storm's figures and checks as text lines (the test prints them as diagnostics, the bench
 * as its part's report). */
import type { Check } from './checks.js';
import type { StormResult } from './summary.js';

const j = (x: unknown) => JSON.stringify(x);

export function stormReport(r: StormResult, checks: readonly Check[]): string[] {
  const o = r.options;
  const x = r.exporter;
  const s = r.samples;
  const h = r.halfOpen;
  const kinds = (['proxy', 'probe', 'metrics'] as const).map((k) => {
    const q = r.requests[k];
    return (
      `${k}: ${q.sent} sent; answered ${j(q.answered)}; refused at connect ${j(q.refused)}; problems ${q.problems}; ` +
      `read down ${q.readDown}; client-side p50 ${q.p50Ms} ms, p99 ${q.p99Ms} ms, max ${q.maxMs} ms`
    );
  });
  return [
    `kea-dhcp4 ${r.keaVersion}; exporter from ${o.build}, open files ${r.nofile}${o.nofile === undefined ? ' (inherited)' : ''}; ${o.socketsPerKind} pooled connections per kind, ` +
      `${o.halfOpen} half-open; requests settled after ${r.requestsMs} ms, window ${r.windowMs} ms${r.gaveUp ? ' (DEADLINE: pending requests given up)' : ''}; ` +
      `relay/sampler process stalled at most ${r.harnessLoopDelayMaxMs} ms`,
    ...kinds,
    `proxy by principal: ${j(r.proxyByWho)}`,
    `kea_up samples (/metrics every ${o.sampleEveryMs} ms, one connection): ${s.total} taken, ${s.read} read, ${s.up} up, ${s.down} DOWN` +
      `${s.down ? ` (first at ${j(s.downAt)} ms)` : ''}, ${s.failed} failed; longest gap ${s.maxGapMs} ms; /metrics p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms`,
    `exporter: RSS max ${x.rssMaxMb} MB (${x.rssSamples} samples), descriptors max ${x.fdsMax}, CPU ${x.cpuPercent}% of one core over the window`,
    `Kea: at most ${r.relay.maxOpen} connection(s) at once (maxInFlight ${r.maxInFlight}), ${r.relay.connections} in all; ` +
      `commands during the storm ${j(r.relay.byCommand)}`,
    `half-open: ${h.opened} opened, refused ${j(h.refused)}, ${h.closedByExporter} closed by the exporter (p50 after ${h.closeP50Ms} ms), ` +
      `answers ${j(h.answered)}, ${h.stillOpen} still open at the end`,
    `exporter log lines by level ${j(x.logLines)}; stderr ${x.stderrLines} lines; warnings ${j(x.warnings.map((w) => `${w.count} x ${w.level} ${w.msg}`))}`,
    `exit: ${x.exitedDuringStorm ? `EXITED DURING THE STORM ${j(x.exitedDuringStorm)}` : `code ${x.exit.code}, signal ${x.exit.signal}${x.exit.killed ? ' (SIGKILL needed)' : ''}`}`,
    ...(r.problems.length ? [`problems: ${r.problems.map((p) => `${p.count} x ${p.text}`).join(' | ')}`] : []),
    ...checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail.split('\n')[0]}`),
  ];
}
