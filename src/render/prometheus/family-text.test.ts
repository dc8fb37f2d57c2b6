import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openMetricsProblems } from '../../../test/support/openmetrics.js';
import { familyText, FAMILY_SEPARATOR, labelPairs, valueText } from './family-text.js';
import { OwnMetrics } from './own-metrics.js';

/** Sample values move between two reads of the process metrics (CPU, memory), and so do the
 * active resources (a pending setImmediate, the test runner's connections): compare the rest. */
const shape = (body: string) => body.replace(/^nodejs_active_\S+ \S+\n/gm, '').replace(/^([^#].*) \S+$/gm, '$1 V');

test("the writer gives prom-client's own text format byte for byte: escapes, NaN and Inf, histograms, empty families", async () => {
  const own = new OwnMetrics();
  own.collectProcessMetrics();
  own.counter('hostile_total', 'help with "quote", back\\slash and\nnewline', ['l']).inc({ l: 'v "q" \\ \n end' }, 3);
  own.counter('empty_total', 'no series yet', ['l']);
  const g = own.gauge('values', 'special values', ['k']);
  g.set({ k: 'nan' }, NaN);
  g.set({ k: 'inf' }, Infinity);
  g.set({ k: 'ninf' }, -Infinity);
  g.set({ k: 'big' }, 2 ** 128);
  g.set({ k: 'small' }, 1e-7);
  const families = await own.families();
  assert.ok(
    families.some((f) => f.type === 'histogram'),
    'process metrics bring a histogram',
  );
  const ours = `${families.map((f) => familyText(f, false)).join(FAMILY_SEPARATOR.text)}\n`;
  const theirs = await own.promClientText();
  assert.equal(shape(ours), shape(theirs));
  assert.equal(shape(await own.text()), shape(theirs), 'what /metrics sends');
  assert.match(theirs, /^hostile_total\{l="v \\"q\\" \\\\ \\n end"\} 3$/m);
  assert.match(theirs, /^values\{k="nan"\} Nan$/m);
});

test("OpenMetrics of prom-client's own metrics: counters named without _total, HELP quotes escaped, valid", async () => {
  const own = new OwnMetrics();
  own.collectProcessMetrics();
  own.counter('requests_total', 'a "quoted" word', ['code']).inc({ code: '200' });
  const body = `${await own.openMetrics()}\n# EOF\n`;
  assert.deepEqual(openMetricsProblems(body), []);
  assert.match(body, /^# HELP requests a \\"quoted\\" word\n# TYPE requests counter\nrequests_total\{code="200"\} 1$/m);
  assert.match(body, /^# TYPE process_cpu_seconds counter$/m);
  // The text format of the same counters is untouched by an OpenMetrics render.
  assert.match(await own.text(), /^# TYPE requests_total counter$/m);
});

test('the OpenMetrics check finds what it is for', () => {
  const ok = '# HELP a_total x\n# TYPE a counter\na_total 1\n# EOF\n';
  assert.ok(openMetricsProblems(ok).length > 0, 'HELP and TYPE of different names');
  assert.ok(openMetricsProblems('# HELP a x\n# TYPE a counter\na 1\n# EOF\n').some((p) => /sample name/.test(p)));
  assert.ok(openMetricsProblems('# HELP a_total x\n# TYPE a_total counter\na_total 1\n# EOF\n').some((p) => /_total/.test(p)));
  assert.ok(openMetricsProblems('# HELP a "x"\n# TYPE a gauge\na 1\n# EOF\n').some((p) => /escaped-string/.test(p)));
  assert.ok(openMetricsProblems('# HELP a x\n# TYPE a gauge\na 1\n').some((p) => /EOF/.test(p)));
  assert.ok(openMetricsProblems('# HELP a x\n# TYPE a gauge\n\na 1\n# EOF\n').some((p) => /blank/.test(p)));
  assert.deepEqual(openMetricsProblems('# HELP a x\n# TYPE a counter\na_total{l="q\\"r"} 1\n# EOF\n'), []);
});

test("labels in the object's order, values escaped; numbers as JavaScript prints them", () => {
  assert.equal(labelPairs({ b: '1', a: 'x"y\\z\nw' }), 'b="1",a="x\\"y\\\\z\\nw"');
  assert.equal(labelPairs({}), '');
  // prom-client writes an empty value; Kea's series leave it out (Prometheus reads it as no label).
  assert.equal(labelPairs({ a: '', b: '1', c: '' }), 'a="",b="1",c=""');
  assert.equal(labelPairs({ a: '', b: '1', c: '' }, true), 'b="1"');
  assert.equal(labelPairs({ a: '' }, true), '');
  assert.deepEqual([NaN, Infinity, -Infinity, 0.1, 1e21, -0].map(valueText), ['Nan', '+Inf', '-Inf', '0.1', '1e+21', '0']);
});

test('prom-client is pinned to the exact version installed', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  const installed = JSON.parse(readFileSync(new URL('../../../node_modules/prom-client/package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(pkg.dependencies['prom-client'], installed.version);
});
