/** Two 60 MB proxied answers at once: the exporter's memory grows far less than their size. It
 * measures the process's own memory, so it runs in a process of its own (scripts/test-files.sh:
 * .memory. tests are in npm test, not in the shared process of test:unit). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MB60, MiB, defaultBudgetYaml, metric, post, start, streamLab, until, type Running } from '../../test/support/stream-lab.js';
import { KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT } from './budget.js';
import v8 from 'node:v8';
import { memoryAfterGc } from '../../test/support/heap.js';

const lab = streamLab();
const { fakes, relays } = lab;

describe('streamed answers, default budget', () => {
  let run: Running;
  before(async () => {
    run = await start(defaultBudgetYaml(lab));
  });
  after(() => run.close());

  test("two concurrent 60 MB answers: RSS and buffers grow far less than their size; every byte is Kea's, wrapped in [ ]", async () => {
    for (const f of fakes.slice(0, 2)) f.behaviour = { kind: 'oversized', bytes: MB60 };
    memoryAfterGc();
    // RSS less V8's young generation: it grows to its maximum (Node 24: tens of MiB, unless the
    // CLI's --max-semi-space-size) whatever is streamed, and what it holds dies young.
    const young = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const rssBeyondYoung = (): number => process.memoryUsage().rss - young();
    const base = { rss: rssBeyondYoung(), arrayBuffers: process.memoryUsage().arrayBuffers };
    const peak = { ...base };
    const sampler = setInterval(() => {
      peak.rss = Math.max(peak.rss, rssBeyondYoung());
      peak.arrayBuffers = Math.max(peak.arrayBuffers, process.memoryUsage().arrayBuffers);
    }, 5);
    const got = await Promise.all([post(run.port, 'big0', '{ "command": "lease4-get-all" }'), post(run.port, 'big1', '{ "command": "statistic-get-all" }')]);
    clearInterval(sampler);
    for (const f of fakes.slice(0, 2)) f.behaviour = { kind: 'answer' };
    const rss = (peak.rss - base.rss) / MiB;
    const ab = (peak.arrayBuffers - base.arrayBuffers) / MiB;
    console.log(
      `# two concurrent 60 MB proxied answers: RSS beyond the young generation +${rss.toFixed(1)} MiB, arrayBuffers +${ab.toFixed(1)} MiB (buffered whole before: RSS +762 MiB, arrayBuffers +418 MiB)`,
    );
    for (const [i, g] of got.entries()) {
      assert.equal(g.status, 200);
      assert.equal(g.aborted, false);
      const sent = relays[i]!.exchanges.at(-1)!;
      assert.ok(sent.bytes >= MB60 - 100, `Kea sent ${sent.bytes}`);
      assert.equal(g.bytes, sent.bytes + 4);
      assert.equal(g.sha, sent.wrapped, 'the proxied body is "[ " + what Kea sent + " ]"');
      assert.equal(relays[i]!.maxOpen, 1);
    }
    // Generous: a fraction of one answer; buffered whole, they took twelve times both.
    assert.ok(rss < 64, `RSS beyond the young generation grew ${rss.toFixed(1)} MiB`);
    assert.ok(ab < 48, `arrayBuffers grew ${ab.toFixed(1)} MiB`);
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT)) === 0);
  });
});
