import type { App } from '../app.js';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page at `/`: where the metrics are and how each watched daemon is doing. */
export function landingPage(app: App): string {
  const rows = app.snapshots().map((s) => {
    const state = s.polledAt === undefined ? 'not polled yet' : s.up ? 'up' : `down: ${s.error?.code ?? ''}`;
    const detail = s.up ? [s.version, s.status?.ha.map((h) => `HA ${h.local.state}`).join(', ')] : [s.error?.message];
    return `<tr><td>${esc(s.target)}</td><td>${esc(s.daemon)}</td><td class="${s.up ? 'up' : 'down'}">${esc(state)}</td><td>${esc(detail.filter(Boolean).join(' · '))}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kea-telemetry</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}.up{color:#070}.down{color:#b00}</style>
</head><body>
<h1>kea-telemetry ${esc(app.opts.version)}</h1>
<p>Prometheus exporter for ISC Kea. <a href="metrics">Metrics</a> · <a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a></p>
<table><thead><tr><th>Target</th><th>Daemon</th><th>State</th><th>Detail</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}
