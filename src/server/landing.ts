import type { WebSource } from './source.js';
import { ERROR_CODES } from '../errors.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page at `/`: where the metrics are and how each watched daemon is doing. Anyone can read
 * it, so it names targets and their kind only: no socket path, URL or error text (which may carry
 * either, or whatever Kea said); a failure shows its code and the catalog's description of it. */
export function landingPage(source: Pick<WebSource, 'targets' | 'snapshots' | 'version' | 'config'>): string {
  const { shard } = source.config;
  const kinds = new Map(source.targets.map((t) => [t.name, t.config.kind]));
  const rows = source.snapshots().map((s) => {
    const code = s.error?.code;
    const state = s.polledAt === undefined ? 'not polled yet' : s.up ? 'up' : `down: ${code ?? ''}`;
    const detail = s.up ? [s.version, s.status?.ha.map((h) => `HA ${h.local.state}`).join(', ')] : [code && ERROR_CODES[code]];
    const probe = `<a href="probe?target=${encodeURIComponent(s.target)}">${esc(s.target)}</a>`;
    const cells = [probe, esc(kinds.get(s.target) ?? ''), esc(s.daemon)];
    return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}<td class="${s.up ? 'up' : 'down'}">${esc(state)}</td><td>${esc(detail.filter(Boolean).join(' · '))}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kea-telemetry</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}.up{color:#070}.down{color:#b00}</style>
</head><body>
<h1>kea-telemetry ${esc(source.version)}</h1>
<p>Prometheus exporter for ISC Kea. <a href="metrics">Metrics</a> · <a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a>
· a target's name probes it alone (<code>/probe?target=</code>)${shard.count > 1 ? ` · shard ${shard.index} of ${shard.count}` : ''}</p>
<table><thead><tr><th>Target</th><th>Kind</th><th>Daemon</th><th>State</th><th>Detail</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}
