import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOG, READ_COMMANDS, isReadCommand } from './commands.js';
import { captures } from '../../test/support/captures.js';

test('the captured part of the catalog is exactly the union of every captured list-commands answer', () => {
  const union = new Set<string>();
  const all = captures('list-commands');
  assert.equal(all.length, 15);
  for (const { file, args } of all) {
    assert.ok(Array.isArray(args) && args.length > 0, file);
    for (const c of args as unknown[]) union.add(String(c));
  }
  const captured = [...CATALOG].filter(([, e]) => e.source === 'captured').map(([c]) => c);
  assert.deepEqual([...captured].sort(), [...union].sort());
  assert.equal(union.size, 63);
});

test("the perfmon part is what the perfmon lab's 3.0.4 list-commands adds to the captured union: durations read, control does not", () => {
  const union = new Set(captures('list-commands').flatMap((c) => c.args as string[]));
  const text = readFileSync(new URL('../../test/fixtures/kea/perfmon/3.0.4/traffic.list-commands.json', import.meta.url), 'utf8');
  const answer = JSON.parse(text) as { arguments: string[] } | { arguments: string[] }[];
  const listed = (Array.isArray(answer) ? answer[0]! : answer).arguments;
  const added = listed.filter((c) => !union.has(c)).sort();
  const perfmon = [...CATALOG].filter(([, e]) => e.source === 'perfmon').map(([c]) => c);
  assert.deepEqual(perfmon.sort(), added);
  assert.equal(isReadCommand('perfmon-get-all-durations'), true);
  assert.equal(isReadCommand('perfmon-control'), false);
});

test("the rest comes from Kea's API reference for the subnet_cmds hook, which no capture loads", () => {
  const union = new Set(captures('list-commands').flatMap((c) => c.args as string[]));
  const rest = [...CATALOG].filter(([, e]) => e.source === 'subnet_cmds').map(([c]) => c);
  assert.equal(rest.length, 26);
  for (const c of rest) {
    assert.equal(union.has(c), false, c);
    assert.match(c, /^(subnet|network)[46]-/, c);
  }
});

test('names are Kea command names, once each; reads and the rest', () => {
  const names = [...CATALOG.keys()];
  assert.equal(new Set(names).size, names.length);
  for (const c of names) assert.match(c, /^[a-z0-9]+(-[a-z0-9]+)*$/, c);
  for (const c of ['status-get', 'config-get', 'lease4-get-all', 'statistic-get-all', 'subnet4-list', 'network6-get']) assert.equal(isReadCommand(c), true, c);
  // Everything that changes state, stops a daemon, or serves another purpose than reading.
  for (const c of [
    'lease4-wipe',
    'lease4-del',
    'lease4-add',
    'lease6-bulk-apply',
    'config-set',
    'config-write',
    'config-test',
    'shutdown',
    'ha-maintenance-start',
    'ha-heartbeat',
    'statistic-reset',
    'statistic-remove-all',
    'dhcp-disable',
    'subnet4-del',
    'server-tag-get',
    'subnet4-select-test',
    'reservation-get',
    'nope',
    '',
    'constructor',
    '__proto__',
  ]) {
    assert.equal(isReadCommand(c), false, c);
  }
  // No command that writes has a name of a read shape, or the other way round, by mistake.
  for (const c of READ_COMMANDS) assert.match(c, /-(get|get-all|list)$|-get-(by-[a-z-]+|page)$|^(build-report|list-commands|perfmon-get-all-durations)$/, c);
  const readShaped = [...CATALOG].filter(([c, e]) => !e.reads && /-get$|-list$|-get-all$/.test(c)).map(([c]) => c);
  assert.deepEqual(readShaped, ['server-tag-get'], 'the one read-shaped name kept from globs, on purpose (config backends)');
});
