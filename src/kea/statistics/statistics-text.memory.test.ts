/** What the reader holds per statistic between polls: the name once, in a string of its own (no
 * slice of a copy of it), the name without its scope shared by every statistic of that name, and
 * no map of them (a fleet's reader state holds 500,000). Runs in a process of its own (scripts/test-files.sh:
 * .memory. tests). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatisticsTextReader } from './statistics-text.js';
import { memoryAfterGc } from '../../../test/support/heap.js';

const STATS = [
  'assigned-addresses',
  'cumulative-assigned-addresses',
  'declined-addresses',
  'reclaimed-declined-addresses',
  'reclaimed-leases',
  'total-addresses',
];

/** statistic-get-all as Kea prints it: `subnets` subnets of 2 pools, STATS each. */
function text(subnets: number, value: number): string {
  const entries: string[] = [];
  for (let id = 1; id <= subnets; id++)
    for (const pool of [0, 1]) for (const stat of STATS) entries.push(`"subnet[${id}].pool[${pool}].${stat}": [ [ ${value}, "2026-12-01 10:00:00.000000" ] ]`);
  return `{ "arguments": { ${entries.join(', ')} }, "result": 0 }`;
}

test('a statistic costs the reader its name once and a share of its scope-less name', () => {
  const subnets = 2000;
  const statistics = subnets * 2 * STATS.length;
  const warm = new StatisticsTextReader();
  for (let v = 0; v < 3; v++) warm.read(text(200, v), false, 'warm-up');
  const t = text(subnets, 1);
  const before = memoryAfterGc().heapUsed;
  const reader = new StatisticsTextReader();
  const kept = reader.read(t, false, 'test').statistics.scopes.length;
  const perStatistic = (memoryAfterGc().heapUsed - before) / statistics;
  assert.equal(kept, statistics);
  // Measured here: ~150 bytes (a name of ~45 characters held in ~64; its scope, ~56; its entry in
  // the table daemons share scopes by; its list slot; no map between reads, the values off the
  // heap in a Float64Array); a slice over a copy of each name, a slice of the scope-less name per
  // statistic or a map of them kept added 30 to 50 more.
  assert.ok(perStatistic < 175, `${perStatistic.toFixed(0)} bytes a statistic`);
  assert.ok(reader.generalReads === 0 && kept > 0);
});
