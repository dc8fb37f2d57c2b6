// What describes the chart: Chart.yaml (home, sources, icon, maintainers, kubeVersion), the image
// reference, and README.md, generated from values.yaml's comments (chart-readme.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartReadme, README_FILE, valueDocs, valuesTable } from './chart-readme.js';
import { exporterContainer, render, renderError, type Obj } from './helm.js';
import { CHART_DIR, ROOT } from './paths.js';

const CHART = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Obj;
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Obj;

test("Chart.yaml: home and sources are package.json's repository; the icon is a file of it; maintainers", () => {
  const repository = String(PACKAGE.repository?.url ?? PACKAGE.repository ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
  assert.match(repository, /^https:\/\/github\.com\/[^/]+\/[^/]+$/, 'package.json repository: a GitHub https URL');
  assert.equal(CHART.home, repository);
  assert.equal(CHART.sources[0], repository);
  for (const s of CHART.sources as string[]) assert.ok(s.startsWith(repository), s);
  // raw.githubusercontent.com/<owner>/<repo>/<branch>/<path>: the path exists in this repository.
  const icon = new URL(CHART.icon as string);
  const [owner, repo, branch, ...path] = icon.pathname.slice(1).split('/');
  assert.equal(`https://github.com/${owner}/${repo}`, repository);
  assert.equal(branch, 'main');
  assert.ok(existsSync(join(ROOT, ...path)), `icon ${path.join('/')} is in the repository`);
  assert.match(readFileSync(join(ROOT, ...path), 'utf8'), /^<svg [^>]*viewBox="0 0 \d+ \d+"/);
  assert.ok((CHART.maintainers as Obj[]).length > 0 && (CHART.maintainers as Obj[]).every((m) => m.name));
  assert.equal(CHART.appVersion, PACKAGE.version);
});

test('kubeVersion: the chart renders at its minimum and refuses an older cluster', () => {
  const min = /^>=\s*(\d+\.\d+\.\d+)/.exec(CHART.kubeVersion as string)?.[1];
  assert.ok(min, `kubeVersion ${CHART.kubeVersion}: >=X.Y.Z expected`);
  const full = join(CHART_DIR, 'ci/full-values.yaml');
  assert.ok(render({ values: [full], kubeVersion: min }).length > 0);
  const [major, minor] = min.split('.').map(Number);
  assert.match(renderError({ values: [full], kubeVersion: `${major}.${minor! - 1}.0` }), /kubeVersion|incompatible/i);
});

test('image: registry/repository:tag, global.imageRegistry wins over image.registry, digest wins over tag', () => {
  const image = (set: string[]): string => exporterContainer(render({ set })).image as string;
  assert.equal(image([]), `kea-telemetry:${CHART.appVersion}`);
  assert.equal(image(['image.registry=registry.example:5000']), `registry.example:5000/kea-telemetry:${CHART.appVersion}`);
  assert.equal(image(['image.registry=registry.example', 'global.imageRegistry=mirror.example/']), `mirror.example/kea-telemetry:${CHART.appVersion}`);
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.equal(image(['image.registry=r.example', 'image.tag=v9', `image.digest=${digest}`]), `r.example/kea-telemetry@${digest}`);
});

test('README.md is generated from values.yaml and README.md.gotmpl (else: npm run helm:sync); every value has a description', () => {
  assert.equal(readFileSync(README_FILE, 'utf8'), chartReadme());
  const { rows, undocumented } = valueDocs(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
  assert.deepEqual(undocumented, [], 'values without a `# --` description');
  assert.ok(rows.every((r) => r.description.length > 0));
  for (const key of ['image.registry', 'serviceMonitor.tlsConfig', 'probe.enabled', 'prometheusRule.runbookBaseUrl', 'config']) {
    assert.ok(rows.some((r) => r.key === key), key);
  }
});

test('the values table follows helm-docs: `# --`, its continuation, (type), @default; a mapping with no description is expanded', () => {
  const text = [
    '# A note, not a description.',
    '# -- The mode.',
    '# Second line.',
    'mode: deployment',
    'image:',
    '  # -- (int) A number.',
    '  size: null',
    '  plain: 1',
    '# -- Resources, as a whole.',
    '# @default -- see below',
    'resources: { limits: { cpu: "1" } }',
    '# -- A | bar and <port>.',
    'list: [a]',
  ].join('\n');
  const { rows, undocumented } = valueDocs(text);
  assert.deepEqual(undocumented, ['image.plain']);
  assert.deepEqual(rows, [
    { key: 'mode', type: 'string', default: '`"deployment"`', description: 'The mode. Second line.' },
    { key: 'image.size', type: 'int', default: '`null`', description: 'A number.' },
    { key: 'resources', type: 'object', default: 'see below', description: 'Resources, as a whole.' },
    { key: 'list', type: 'list', default: '`["a"]`', description: 'A \\| bar and &lt;port&gt;.' },
  ]);
  assert.match(valuesTable(rows), /^\| Key \| Type \| Default \| Description \|\n\|-----\|/);
});
