/**
 * No configuration value in any message: a table of bad files, each with a distinctive secret in
 * the position that fails (wrong type, bad enum, URL, duration, listen address, environment
 * references, YAML and JSON5 syntax, unknown keys, missing files...). The secret must appear
 * neither in the ConfigError, nor in the log line of a failed reload, nor in the answer of
 * POST /-/reload; every message still names the file, the key and (YAML) the line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App } from '../app.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildServer } from '../server/server.js';
import { ConfigError, loadConfigFile, parseConfigText } from './load.js';

const SECRET = 'Zq7-s3cr3t-Xv9';
const SECRET_NUMBER = 20240101777;
const ENV = { CA_PASS: SECRET, SHARD_INDEX: '7' };
const T = '  - name: a\n    socket: /run/a.sock\n';
const H = '  - name: a\n    url: "https://127.0.0.1:8004/"\n    daemon: dhcp4\n';

interface Case {
  name: string;
  text: string;
  ext?: '.yaml' | '.json5';
  /** The key the message must name ('' for a syntax error), and the line (YAML). */
  key: string;
  line?: number;
}

const CASES: Case[] = [
  {
    name: 'string expected, number given',
    text: `targets:\n${H}    auth:\n      username: u\n      password: ${SECRET_NUMBER}\n`,
    key: 'targets[0].auth.password',
    line: 7,
  },
  { name: 'mapping expected, env string given', text: `targets:\n${H}    auth: "\${CA_PASS}"\n`, key: 'targets[0].auth', line: 5 },
  { name: 'list expected', text: `targets: ${SECRET}\n`, key: 'targets', line: 1 },
  { name: 'boolean expected', text: `targets:\n${H}    tls:\n      insecureSkipVerify: ${SECRET}\n`, key: 'targets[0].tls.insecureSkipVerify', line: 6 },
  { name: 'integer expected', text: `poll:\n  maxInFlight: ${SECRET}\ntargets:\n${T}`, key: 'poll.maxInFlight', line: 2 },
  { name: 'integer out of range', text: `poll:\n  maxInFlight: ${SECRET_NUMBER}\ntargets:\n${T}`, key: 'poll.maxInFlight', line: 2 },
  { name: 'bad enum (daemon)', text: `targets:\n${T}    daemon: ${SECRET}\n`, key: 'targets[0].daemon', line: 4 },
  { name: 'bad enum (naming)', text: `statistics:\n  naming: ${SECRET}\ntargets:\n${T}`, key: 'statistics.naming', line: 2 },
  { name: 'bad enum (otel protocol)', text: `otel:\n  protocol: ${SECRET}\ntargets:\n${T}`, key: 'otel.protocol', line: 2 },
  {
    name: 'bad enum in a list (services)',
    text: `targets:\n  - name: a\n    url: http://h/\n    services: [dhcp4, ${SECRET}]\n`,
    key: 'targets[0].services[1]',
    line: 4,
  },
  { name: 'unparsable URL', text: `targets:\n  - name: a\n    url: "http://[${SECRET}/"\n`, key: 'targets[0].url', line: 3 },
  { name: 'URL that is no URL', text: `targets:\n  - name: a\n    url: ${SECRET}\n`, key: 'targets[0].url', line: 3 },
  { name: 'URL with credentials', text: `targets:\n  - name: a\n    url: "http://u:${SECRET}@h/"\n`, key: 'targets[0].url', line: 3 },
  { name: 'otel endpoint', text: `otel:\n  endpoint: "ftp://${SECRET}/"\ntargets:\n${T}`, key: 'otel.endpoint', line: 2 },
  { name: 'bad duration', text: `poll:\n  interval: ${SECRET}\ntargets:\n${T}`, key: 'poll.interval', line: 2 },
  { name: 'bad duration (proxy)', text: `proxy:\n  timeout: "5${SECRET}"\ntargets:\n${T}`, key: 'proxy.timeout', line: 2 },
  { name: 'bad listen', text: `listen: "${SECRET}"\ntargets:\n${T}`, key: 'listen', line: 1 },
  { name: 'bad listen port', text: `listen: "${SECRET}:99999"\ntargets:\n${T}`, key: 'listen', line: 1 },
  { name: 'bad proxy listen', text: `proxy:\n  listen: "[${SECRET}"\ntargets:\n${T}`, key: 'proxy.listen', line: 2 },
  { name: 'invalid env reference', text: `targets:\n${H}    auth: { username: u, password: "${SECRET}\${oops" }\n`, key: 'targets[0].auth.password', line: 5 },
  {
    name: 'env reference that is no name',
    text: `targets:\n${H}    auth: { username: u, password: "\${${SECRET}}" }\n`,
    key: 'targets[0].auth.password',
    line: 5,
  },
  {
    name: 'unknown key whose value is the secret',
    text: `targets:\n${H}    auth: { username: u, password: p, passwd: ${SECRET} }\n`,
    key: 'targets[0].auth.passwd',
    line: 5,
  },
  { name: 'unknown top-level key', text: `dbPassword: ${SECRET}\ntargets:\n${T}`, key: 'dbPassword', line: 1 },
  { name: 'bad target name', text: `targets:\n  - name: "${SECRET} x"\n    socket: /x\n`, key: 'targets[0].name', line: 2 },
  {
    name: 'duplicate target name',
    text: `targets:\n  - { name: ${SECRET}, socket: /x }\n  - { name: ${SECRET}, socket: /y }\n`,
    key: 'targets[1].name',
    line: 3,
  },
  { name: 'duplicate service', text: `targets:\n  - name: a\n    url: http://h/\n    services: [dhcp4, dhcp4]\n`, key: 'targets[0].services[1]', line: 4 },
  { name: 'label value of the wrong type', text: `targets:\n${T}    labels: { site: [${SECRET}] }\n`, key: 'targets[0].labels.site', line: 4 },
  { name: 'unknown role', text: `proxy:\n  users: [ { name: u, password: p, role: ${SECRET} } ]\ntargets:\n${T}`, key: 'proxy.users[0].role', line: 2 },
  { name: 'short token', text: `proxy:\n  tokens: [ { name: t, token: "${SECRET.slice(0, 10)}" } ]\ntargets:\n${T}`, key: 'proxy.tokens[0].token', line: 2 },
  {
    name: 'malformed password hash',
    text: `proxy:\n  users: [ { name: u, password: "scrypt$${SECRET}" } ]\ntargets:\n${T}`,
    key: 'proxy.users[0].password',
    line: 2,
  },
  { name: 'shard index from the environment', text: `shard: { count: 2 }\ntargets:\n${T}`, key: 'shard.index', line: 1 },
  { name: 'missing TLS file', text: `targets:\n${H}    tls:\n      ca: "/nonexistent/${SECRET}.pem"\n`, key: 'targets[0].tls.ca', line: 6 },
  { name: 'YAML: bad escape', text: `targets:\n${H}    auth: { username: u, password: "\\q${SECRET}" }\n`, key: '', line: 5 },
  { name: 'YAML: reserved first character', text: `targets:\n${H}    auth: { username: u, password: @${SECRET} }\n`, key: '', line: 5 },
  { name: 'YAML: unclosed quote', text: `targets:\n${H}    auth: { username: u, password: "${SECRET} }\n`, key: '', line: 6 },
  { name: 'YAML: unresolved alias', text: `targets:\n${H}    auth: { username: u, password: *${SECRET.replace(/-/g, '')} }\n`, key: '' },
  { name: 'YAML: duplicate key', text: `targets:\n${H}    auth: { username: u, password: ${SECRET}, password: ${SECRET} }\n`, key: '', line: 5 },
  {
    name: 'JSON5: unquoted value',
    text: `{ targets: [ { name: "a", url: "http://h/", auth: { username: "u", password: ${SECRET} } } ] }`,
    ext: '.json5',
    key: '',
  },
  { name: 'JSON5: bad identifier', text: `{ targets: [ { name: "a", socket: "/x", ${SECRET}: 1 } ] }`, ext: '.json5', key: '' },
  {
    name: 'JSON5: wrong type',
    text: `{ targets: [ { name: "a", url: "http://h/", auth: { username: "u", password: ${SECRET_NUMBER} } } ] }`,
    ext: '.json5',
    key: 'targets[0].auth.password',
  },
  { name: 'boolean from the environment that is none', text: `otel:\n  enabled: \${CA_PASS}\ntargets:\n${T}`, key: 'otel.enabled', line: 2 },
  {
    name: 'number from the environment that is none',
    text: `{ statistics: { maxSeries: "\${CA_PASS}" }, targets: [ { name: "a", socket: "/x" } ] }`,
    ext: '.json5',
    key: 'statistics.maxSeries',
  },
];

let dir = '';
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'no-values-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const leaks = (text: string): boolean => text.includes(SECRET) || text.includes(String(SECRET_NUMBER)) || text.includes(SECRET.slice(0, 10));

function fileOf(c: Case, i: number): string {
  const file = path.join(dir, `case-${i}${c.ext ?? '.yaml'}`);
  writeFileSync(file, c.text);
  return file;
}

describe('no configuration value in any message', () => {
  it('ConfigError: names file, key and line, never the value', async () => {
    for (const [i, c] of CASES.entries()) {
      const file = fileOf(c, i);
      const err = await loadConfigFile(file, ENV).then(
        () => assert.fail(`${c.name}: accepted`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError, `${c.name}: ${String(err)}`);
      assert.ok(!leaks(err.message) && !leaks(String(err.stack)), `${c.name} leaks the value:\n${err.message}`);
      assert.ok(!leaks(JSON.stringify(err)) && err.cause === undefined, `${c.name}: the error carries the value`);
      const issue = err.issues.find((x) => x.path === c.key);
      assert.ok(issue, `${c.name}: no issue at "${c.key}" in:\n${err.message}`);
      const where = c.key === '' ? '' : `${c.key}: `;
      assert.ok(err.message.includes(`${file}: ${where}${issue.message}`), `${c.name}: ${err.message}`);
      if (c.line !== undefined) assert.equal(issue.line, c.line, `${c.name}: ${err.message}`);
    }
  });

  it('says the type found, not the value', async () => {
    const message = async (i: number) =>
      (
        await loadConfigFile(fileOf(CASES[i]!, 100 + i), ENV).then(
          () => assert.fail('accepted'),
          (e: ConfigError) => e,
        )
      ).message;
    assert.match(await message(0), /targets\[0\]\.auth\.password: expected a string, got a number \(line 7\)$/);
    assert.match(await message(1), /targets\[0\]\.auth: expected a mapping, got a string \(line 5\)$/);
    assert.match(await message(6), /targets\[0\]\.daemon: must be one of dhcp4, dhcp6, d2, ca \(line 4\)$/);
    assert.match(await message(10), /targets\[0\]\.url: invalid URL \(line 3\)$/);
    assert.match(await message(14), /poll\.interval: invalid duration: expected e\.g\. 500ms/);
    assert.match(await message(16), /listen: invalid listen address: missing ":PORT"/);
    assert.match(await message(19), /targets\[0\]\.auth\.password: invalid variable reference \(write \$\{NAME\}, or \$\$\{ for a literal \$\{\) \(line 5\)$/);
    assert.match(await message(24), /targets\[1\]\.name: duplicate target name \(same as targets\[0\]\.name\) \(line 3\)$/);
    assert.match(await message(31), /targets\[0\]\.tls\.ca: cannot read the file it names: no such file or directory \(ENOENT\) \(line 6\)$/);
    assert.match(await message(32), /: syntax error at column \d+: invalid escape sequence in a double-quoted string \(line 5\)$/);
    assert.match(await message(37), /: syntax error at column \d+: unexpected character \(line 1\)$/);
  });

  it('a failed reload: neither the log line nor the POST /-/reload answer shows the value', async () => {
    const log = new MemoryLog();
    const start = parseConfigText('poll: { background: false }\ntargets:\n  - { name: a, socket: /nonexistent.sock }\n', 'start.yaml', {});
    const app = new App(start, { log, version: 't', processMetrics: false });
    let file = '';
    const server = buildServer(app, { lifecycle: { reload: () => app.reload(() => loadConfigFile(file, ENV)) } });
    try {
      for (const [i, c] of CASES.entries()) {
        file = fileOf(c, 200 + i);
        const res = await server.inject({ method: 'POST', url: '/-/reload' });
        assert.equal(res.statusCode, 500, c.name);
        assert.deepEqual(Object.keys(res.json<object>()), ['ok', 'error'], c.name);
        assert.ok(!leaks(res.body), `${c.name}: the answer shows the value: ${res.body}`);
        assert.ok(res.json<{ error: string }>().error.startsWith(`${file}: `), c.name);
      }
      const failures = log.lines.filter((l) => l.level === 'error' && /reload failed/.test(l.msg));
      assert.equal(failures.length, CASES.length);
      const all = JSON.stringify(log.lines);
      assert.ok(!leaks(all), `a log line shows the value:\n${all}`);
    } finally {
      await app.stop();
    }
  });
});
