/** Every relative link and #anchor of README.md and docs/*.md points at an existing file and
 * heading (the chart's runbook_url and other helpers link into docs/ by anchor too). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchors, brokenLink, relativeLinks, slug } from './markdown-links.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILES = [
  path.join(ROOT, 'README.md'),
  ...readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(ROOT, 'docs', f)),
];

test('GitHub anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered', () => {
  assert.equal(slug('KeaDaemonDown'), 'keadaemondown');
  assert.equal(slug("Debian's Kea sockets"), 'debians-kea-sockets');
  assert.equal(slug('Default naming: kea-dhcp-ddns (d2)'), 'default-naming-kea-dhcp-ddns-d2');
  assert.equal(slug('statistics.maxSeries_x ≥ 2'), 'statisticsmaxseries_x--2');
  const a = anchors('# Helm chart (`helm/kea-telemetry`)\n## How `/metrics` is rendered\n```\n# not a heading\n```\n## Notes\n### Notes\n');
  assert.deepEqual([...a], ['helm-chart-helmkea-telemetry', 'how-metrics-is-rendered', 'notes', 'notes-1']);
});

test('the checker finds a missing file, a missing heading and skips code and URLs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'links-'));
  try {
    writeFileSync(path.join(dir, 'b.md'), '# B\n## Real one\n');
    const a = path.join(dir, 'a.md');
    const text = [
      '# A',
      '[ok](b.md#real-one) [self](#a) [bad](b.md#gone) [none](c.md) [web](https://x.example/#y)',
      '`[code](nowhere.md)`',
      '```',
      '[fenced](nowhere.md)',
      '```',
      '    [indented](nowhere.md)',
    ].join('\n');
    writeFileSync(a, text);
    const found = relativeLinks(a, text).map((l) => [l.target, brokenLink(l)]);
    assert.deepEqual(found, [
      ['b.md#real-one', undefined],
      ['#a', undefined],
      ['b.md#gone', 'no heading #gone in b.md'],
      ['c.md', 'no file c.md'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('README.md and docs/*.md: every relative link and anchor resolves', () => {
  assert.ok(FILES.length >= 10, `docs found: ${FILES.length}`);
  const links = FILES.flatMap((f) => relativeLinks(f, readFileSync(f, 'utf8')));
  assert.ok(links.length > 100, `links found: ${links.length}`);
  const broken = links.flatMap((l) => {
    const why = brokenLink(l);
    return why ? [`${path.relative(ROOT, l.file)}:${l.line}: ${l.target}: ${why}`] : [];
  });
  assert.deepEqual(broken, []);
});

test('README.md keeps the test command in a code block (.ci/run runs "the test command written in README.md")', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /^```sh\nnpm test\n```$/m);
});
