import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, defaultConfig, loadConfigFile, parseConfigText, type LoadOptions } from './load.js';
import type { Config } from './types.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/config');
const DEFAULT_POLL = { intervalMs: 5000, timeoutMs: 3000, maxInFlight: 1, maxAnswerBytes: 64 * 1024 * 1024, background: true };
const DEFAULT_PROBE = { allow: [], maxTargets: 2_000, idleAfterMs: 600_000 };
const DEFAULT_OTEL = { enabled: false, protocol: 'http/protobuf', headers: {}, intervalMs: 60_000, resourceAttributes: {} };
const DEFAULT_PROXY = {
  enabled: false,
  maxBodyBytes: 1024 * 1024,
  maxQueued: 100,
  timeoutMs: 30_000,
  maxAnswerBytesInFlight: 64 * 1024 * 1024,
  rateLimit: { max: 600, windowMs: 60_000 },
  users: [],
  tokens: [],
  roles: {},
  agents: [],
};
const DEFAULT_STATS = { enabled: true, intervalMs: 30_000, perSubnet: true, perPool: true, maxSeries: 100_000, naming: 'default' };

let dir = '';
let counter = 0;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kea-telemetry-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemp(text: string, ext = '.yaml'): Promise<string> {
  const file = path.join(dir, `config-${++counter}${ext}`);
  await writeFile(file, text);
  return file;
}

/** A fixture through the pure parser: its TLS paths are examples, not files on this machine. */
function parseFixture(name: string, env: NodeJS.ProcessEnv): Config {
  const file = path.join(FIXTURES, name);
  return parseConfigText(readFileSync(file, 'utf8'), file, env);
}

async function loadText(text: string, ext = '.yaml', env: NodeJS.ProcessEnv = {}): Promise<Config> {
  return loadConfigFile(await writeTemp(text, ext), env);
}

/**
 * Loads `text` from a temporary file and checks it fails with a ConfigError whose message names the
 * file, the key path and (when given) the line; `message` must match that issue's text.
 */
async function rejects(
  text: string,
  expected: { path: string; line?: number; message?: RegExp },
  ext = '.yaml',
  env: NodeJS.ProcessEnv = {},
  options: LoadOptions = {},
): Promise<ConfigError> {
  const file = await writeTemp(text, ext);
  const err = await loadConfigFile(file, env, options).then(
    () => assert.fail(`expected ${file} to be rejected`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
  assert.equal(err.file, file);
  const issue = err.issues.find((i) => i.path === expected.path);
  assert.ok(issue, `no issue at "${expected.path}" in:\n${err.message}`);
  if (expected.message) assert.match(issue.message, expected.message);
  const line = expected.line === undefined ? '' : ` (line ${expected.line})`;
  const where = expected.path === '' ? '' : `${expected.path}: `;
  assert.ok(err.message.includes(`${file}: ${where}${issue.message}${line}`), err.message);
  if (expected.line !== undefined) assert.equal(issue.line, expected.line);
  return err;
}

const SOCKET_TARGET = 'targets:\n  - name: a\n    socket: /run/a.sock\n';

describe('valid files', () => {
  it('parses the YAML fixture', () => {
    const config = parseFixture('valid.yaml', { KEA_PASSWORD: 's3cret' });
    assert.deepEqual(config, {
      listen: { host: '::', port: 9600 },
      poll: { intervalMs: 10_000, timeoutMs: 2500, maxInFlight: 4, maxAnswerBytes: 64 * 1024 * 1024, background: true },
      statistics: DEFAULT_STATS,
      proxy: DEFAULT_PROXY,
      otel: DEFAULT_OTEL,
      shard: { index: 0, count: 1 },
      probe: DEFAULT_PROBE,
      modules: {},
      targets: [
        { kind: 'socket', name: 'server1', socket: '/run/kea/kea4-ctrl-socket', daemon: 'dhcp4', labels: { ha_pair: 'site-a', rack: '12' } },
        { kind: 'socket', name: 'server1-v6', socket: path.join(FIXTURES, 'sockets/kea6.sock'), labels: {} },
        {
          kind: 'agent',
          name: 'agent1',
          url: 'http://127.0.0.1:8000/',
          labels: {},
          services: ['dhcp4', 'dhcp6', 'd2'],
          auth: { username: 'monitor', password: 's3cret' },
        },
        {
          kind: 'http',
          name: 'kea3-dhcp4',
          url: 'https://kea3.example:8004/',
          daemon: 'dhcp4',
          labels: {},
          tls: { ca: path.join(FIXTURES, 'certs/kea-ca.pem'), cert: '/etc/kea/client.pem', key: '/etc/kea/client.key', insecureSkipVerify: false },
        },
      ],
    });
  });

  it('loads the JSON5 fixture with //, /* */ and # comments, keeping # inside strings', async () => {
    const config = await loadConfigFile(path.join(FIXTURES, 'valid.json5'), { KEA_USER: 'mon' });
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9547 });
    assert.deepEqual(config.poll, DEFAULT_POLL);
    const [dhcp4, agent] = config.targets;
    assert.deepEqual(dhcp4, {
      kind: 'socket',
      name: 'dhcp4',
      socket: path.join(FIXTURES, 'kea4.sock'),
      labels: { note: 'colour # not a comment', escaped: 'a "quoted" # too', single: "it's # fine" },
    });
    assert.deepEqual(agent, {
      kind: 'agent',
      name: 'agent',
      url: 'http://agent.example:8000/',
      labels: {},
      services: [],
      auth: { username: 'mon', password: 'p#ss${literal}' },
    });
  });

  it('applies defaults and accepts .yml and .json (with # comments)', async () => {
    const yml = await loadText(SOCKET_TARGET, '.yml');
    assert.deepEqual(yml, {
      listen: { host: '0.0.0.0', port: 9547 },
      poll: DEFAULT_POLL,
      statistics: DEFAULT_STATS,
      proxy: DEFAULT_PROXY,
      otel: DEFAULT_OTEL,
      shard: { index: 0, count: 1 },
      probe: DEFAULT_PROBE,
      modules: {},
      targets: [{ kind: 'socket', name: 'a', socket: '/run/a.sock', labels: {} }],
    });
    const json = await loadText('# hash\n{"targets": [{"name": "a", "url": "http://h/"}], # trailing\n"poll": {"timeout": "1s"}}', '.json');
    assert.deepEqual(json.targets, [{ kind: 'agent', name: 'a', url: 'http://h/', labels: {} }]);
    assert.equal(json.poll.timeoutMs, 1000);
    assert.equal(json.poll.intervalMs, 5000);
    const tls = await loadText('targets:\n  - {name: a, url: "https://h/", tls: {}}\n');
    assert.deepEqual((tls.targets[0] as { tls?: unknown }).tls, { insecureSkipVerify: false });
  });

  it('coerces number and boolean label values to strings', async () => {
    const c = await loadText(`${SOCKET_TARGET}    labels: { n: 12, b: true, s: x }\n`);
    assert.deepEqual(c.targets[0]?.labels, { n: '12', b: 'true', s: 'x' });
  });

  it('returns a deep-frozen result', () => {
    const c = parseFixture('valid.yaml', { KEA_PASSWORD: 'x' });
    for (const o of [c, c.listen, c.poll, c.targets, c.targets[0], c.targets[0]?.labels, c.targets[2], c.targets[3]]) {
      assert.ok(Object.isFrozen(o));
    }
    const agent = c.targets[2];
    assert.ok(agent?.kind === 'agent' && Object.isFrozen(agent.services) && Object.isFrozen(agent.auth));
    assert.throws(() => {
      (c.poll as { intervalMs: number }).intervalMs = 1;
    }, TypeError);
    assert.throws(() => (c.targets as unknown[]).push({}), TypeError);
  });
});

describe('environment substitution', () => {
  it('replaces ${NAME} in every string value, not in keys, and $${ is a literal ${', async () => {
    const c = await loadText(
      'targets:\n  - name: "${N}"\n    url: "http://${HOST}:8000/"\n    auth: { username: u, password: "${P}$${P}" }\n    labels: { site: "${N}-x" }\n',
      '.yaml',
      { N: 'agent', HOST: 'kea.example', P: 'pw' },
    );
    assert.deepEqual(c.targets[0], {
      kind: 'agent',
      name: 'agent',
      url: 'http://kea.example:8000/',
      labels: { site: 'agent-x' },
      auth: { username: 'u', password: 'pw${P}' },
    });
    await rejects(`${SOCKET_TARGET}    labels: { "\${X}": y }\n`, { path: 'targets[0].labels["${X}"]', line: 4 }, '.yaml', { X: 'ok' });
  });

  it('rejects an unset variable, naming the key path and the variable', async () => {
    await rejects('targets:\n  - name: a\n    url: http://h/\n    auth:\n      username: u\n      password: "${KEA_PASSWORD}"\n', {
      path: 'targets[0].auth.password',
      line: 6,
      message: /KEA_PASSWORD is not set/,
    });
    await rejects('{targets: [{name: "a", socket: "${NOPE}"}]}', { path: 'targets[0].socket', message: /NOPE/ }, '.json5');
    await rejects('targets:\n  - name: a\n    socket: "${1BAD}"\n', { path: 'targets[0].socket', line: 3, message: /invalid variable/ });
  });

  it('a value that is one ${NAME} where the schema wants a boolean or a number is read as one (docs/configuration.md: drive otel.enabled from the environment)', async () => {
    const env = { ON: 'true', OFF: 'false', N: '4', MAX: '5000', IV: '10s', PORT: '9' };
    const c = await loadText(
      'otel:\n  enabled: ${ON}\npoll:\n  background: "${OFF}"\n  maxInFlight: ${N}\n  interval: ${IV}\nstatistics:\n  maxSeries: ${MAX}\n  subnets: { allow: ["${PORT}", 12] }\n' +
        'targets:\n  - name: h\n    url: "https://h/"\n    labels: { n: "${N}", on: "${ON}" }\n    tls: { insecureSkipVerify: "${ON}" }\n',
      '.yaml',
      env,
    );
    assert.equal(c.otel.enabled, true);
    assert.equal(c.poll.background, false);
    assert.equal(c.poll.maxInFlight, 4);
    assert.equal(c.poll.intervalMs, 10_000, 'a duration is a string in the schema: left a string');
    assert.equal(c.statistics.maxSeries, 5000);
    assert.deepEqual(c.statistics.subnets, { allow: [9, 12] }, 'inside a list too');
    const t = c.targets[0]!;
    assert.ok(t.kind === 'agent');
    assert.deepEqual(t.labels, { n: '4', on: 'true' }, 'label values are strings: left strings');
    assert.equal(t.tls?.insecureSkipVerify, true);
    const json5 = await loadText(
      '{ proxy: { enabled: "${ON}", maxQueued: "${N}", tokens: [{ name: "t", token: "0123456789abcdef0123456789abcdef" }] }, targets: [{ name: "a", socket: "/x" }] }',
      '.json5',
      env,
    );
    assert.equal(json5.proxy.enabled, true);
    assert.equal(json5.proxy.maxQueued, 4);
  });

  it('only a whole ${NAME} is read, only in strict forms; a bad one names file, key, line and variable, never the value', async () => {
    const background = (v: string): string => `poll:\n  background: ${v}\n${SOCKET_TARGET}`;
    const inFlight = (v: string): string => `poll:\n  maxInFlight: ${v}\n${SOCKET_TARGET}`;
    // Written in the file, a quoted string stays a string; so does a partial substitution.
    await rejects(background('"true"'), { path: 'poll.background', line: 2, message: /^expected true or false, got a string$/ });
    await rejects(background('"${B}e"'), { path: 'poll.background', line: 2, message: /^expected true or false, got a string$/ }, '.yaml', { B: 'tru' });
    await rejects(inFlight('"${N} "'), { path: 'poll.maxInFlight', line: 2, message: /^expected a number, got a string$/ }, '.yaml', { N: '4' });
    for (const bad of ['yes', 'yes-Zq7k', 'True', 'TRUE', '1', ' true', 'true\n', '']) {
      const err = await rejects(
        background('${B}'),
        { path: 'poll.background', line: 2, message: /^expected true or false; environment variable B holds something else$/ },
        '.yaml',
        { B: bad },
      );
      assert.ok(!err.message.includes('Zq7k') && !JSON.stringify(err.issues).includes('Zq7k'), err.message);
    }
    for (const bad of ['four', '0x10', '08', '+4', ' 4', '4 ', '1_0', 'Infinity', 'NaN', '']) {
      await rejects(
        inFlight('${N}'),
        { path: 'poll.maxInFlight', line: 2, message: /^expected a number; environment variable N holds something else$/ },
        '.yaml',
        { N: bad },
      );
    }
    // Read as a number, then judged by the schema like a number written in the file.
    await rejects(inFlight('${N}'), { path: 'poll.maxInFlight', line: 2, message: /^expected an integer, got a number$/ }, '.yaml', { N: '1.5' });
    await rejects(inFlight('${N}'), { path: 'poll.maxInFlight', line: 2, message: /^must be between 1 and 64$/ }, '.yaml', { N: '100' });
    assert.equal((await loadText(inFlight('${N}'), '.yaml', { N: '1e1' })).poll.maxInFlight, 10, "the file's own number forms");
    // Every problem is told at once, the read ones checked too.
    const err = await rejects(`poll:\n  background: \${B}\n  maxInFlight: \${N}\n${SOCKET_TARGET}`, { path: 'poll.background', line: 2 }, '.yaml', {
      B: 'yes',
      N: '99',
    });
    assert.deepEqual(
      err.issues.map((i) => [i.path, i.line]),
      [
        ['poll.background', 2],
        ['poll.maxInFlight', 3],
      ],
      err.message,
    );
  });
});

describe('relative paths', () => {
  it('resolves socket and tls paths against the config file directory', async () => {
    const c = parseConfigText(
      'targets:\n  - {name: s, socket: kea.sock}\n  - {name: h, url: "https://h/", tls: {ca: ca.pem, cert: ../c.pem, key: /abs/k.pem}}\n',
      path.join(dir, 'rel.yaml'),
      {},
    );
    assert.equal((c.targets[0] as { socket: string }).socket, path.join(dir, 'kea.sock'));
    assert.deepEqual((c.targets[1] as { tls: unknown }).tls, {
      ca: path.join(dir, 'ca.pem'),
      cert: path.join(path.dirname(dir), 'c.pem'),
      key: '/abs/k.pem',
      insecureSkipVerify: false,
    });
    const rel = parseConfigText('targets: [{name: s, socket: k.sock}]', 'conf/x.yaml', {});
    assert.equal((rel.targets[0] as { socket: string }).socket, path.resolve('conf/k.sock'));
  });
});

describe('rejected files', () => {
  it('rejects unknown keys, pointing at the key', async () => {
    await rejects(`listen: "0.0.0.0:1"\nlisten_addr: x\n${SOCKET_TARGET}`, { path: 'listen_addr', line: 2, message: /^unknown key$/ });
    await rejects(`poll:\n  interval: 5s\n  intervall: 5s\n${SOCKET_TARGET}`, { path: 'poll.intervall', line: 3 });
    await rejects('targets:\n  - name: a\n    socket: /x\n  - name: b\n    url: http://h/\n    sockett: /y\n', { path: 'targets[1].sockett', line: 6 });
    await rejects('targets:\n  - name: a\n    url: https://h/\n    tls:\n      ca: x\n      insecure: true\n', { path: 'targets[0].tls.insecure', line: 6 });
    await rejects('targets:\n  - name: a\n    url: https://h/\n    auth: {username: u, password: p, token: t}\n', { path: 'targets[0].auth.token', line: 4 });
    await rejects('{targets: [{name: "a", socket: "/x", extra: 1}]}', { path: 'targets[0].extra' }, '.json5');
  });

  it('requires exactly one of socket / url', async () => {
    await rejects('targets:\n  - name: a\n    socket: /x\n    url: http://h/\n', { path: 'targets[0].url', line: 4, message: /mutually exclusive/ });
    await rejects('targets:\n  - name: a\n  - name: b\n    daemon: dhcp4\n', { path: 'targets[1]', line: 3, message: /exactly one of socket or url/ });
  });

  it('limits services, auth and tls to the targets they apply to', async () => {
    await rejects('targets:\n  - name: a\n    socket: /x\n    services: [dhcp4]\n', { path: 'targets[0].services', line: 4 });
    await rejects('targets:\n  - name: a\n    url: http://h/\n    daemon: dhcp4\n    services: []\n', { path: 'targets[0].services', line: 5 });
    await rejects('targets:\n  - name: a\n    socket: /x\n    auth: {username: u, password: p}\n', {
      path: 'targets[0].auth',
      line: 4,
      message: /only allowed with url/,
    });
    await rejects('targets:\n  - name: a\n    socket: /x\n    tls: {ca: x}\n', { path: 'targets[0].tls', line: 4, message: /only allowed with url/ });
    await rejects('targets:\n  - name: a\n    url: http://h/\n    tls: {ca: x}\n', { path: 'targets[0].tls', line: 4, message: /https/ });
    await rejects('targets:\n  - name: a\n    url: https://h/\n    tls: {cert: c.pem}\n', { path: 'targets[0].tls', line: 4, message: /together/ });
    await rejects('targets:\n  - name: a\n    url: https://h/\n    tls: {insecureSkipVerify: "yes"}\n', { path: 'targets[0].tls.insecureSkipVerify', line: 4 });
  });

  it('checks url, daemon, services and auth values', async () => {
    await rejects('targets:\n  - name: a\n    url: ftp://h/\n', { path: 'targets[0].url', line: 3, message: /http: or https:/ });
    await rejects('targets:\n  - name: a\n    url: not a url\n', { path: 'targets[0].url', line: 3, message: /invalid URL/ });
    await rejects('targets:\n  - name: a\n    socket: /x\n    daemon: dhcp5\n', { path: 'targets[0].daemon', line: 4, message: /dhcp4, dhcp6, d2, ca/ });
    await rejects('targets:\n  - name: a\n    url: http://h/\n    services: [dhcp4, ca]\n', { path: 'targets[0].services[1]', line: 4 });
    await rejects('targets:\n  - name: a\n    url: http://h/\n    services:\n      - dhcp4\n      - dhcp4\n', {
      path: 'targets[0].services[1]',
      line: 6,
      message: /duplicate service/,
    });
    await rejects('targets:\n  - name: a\n    url: http://h/\n    auth:\n      username: u\n', {
      path: 'targets[0].auth.password',
      line: 4,
      message: /missing required key/,
    });
    await rejects('targets:\n  - name: a\n    url: http://h/\n    auth:\n      username: u\n      password: 1234\n', {
      path: 'targets[0].auth.password',
      line: 6,
      message: /expected a string/,
    });
  });

  it('checks target names: required, allowed characters, unique', async () => {
    await rejects('targets:\n  - socket: /x\n', { path: 'targets[0].name', line: 2, message: /missing required key/ });
    await rejects('targets:\n  - name: "a b"\n    socket: /x\n', { path: 'targets[0].name', line: 2, message: /A-Za-z0-9_/ });
    await rejects('targets:\n  - name: a\n    socket: /x\n  - name: b\n    socket: /y\n  - name: a\n    socket: /z\n', {
      path: 'targets[2].name',
      line: 6,
      message: /^duplicate target name \(same as targets\[0\]\.name\)$/,
    });
    await rejects('{targets: [{name: "d", socket: "/x"}, {name: "d", socket: "/y"}]}', { path: 'targets[1].name', message: /same as targets\[0\]/ }, '.json5');
  });

  it('requires at least one target', async () => {
    await rejects('listen: "0.0.0.0:1"\n', { path: 'targets', message: /missing required key/ });
    await rejects('targets: []\n', { path: 'targets', line: 1, message: /at least one/ });
  });

  it('checks poll settings', async () => {
    const poll = (body: string): string => `poll:\n  ${body}\n${SOCKET_TARGET}`;
    await rejects(poll('interval: 5'), { path: 'poll.interval', line: 2, message: /expected a string/ });
    await rejects(poll('interval: "5"'), { path: 'poll.interval', line: 2, message: /invalid duration/ });
    await rejects(poll('interval: 5 s'), { path: 'poll.interval', line: 2 });
    await rejects(poll('interval: 0s'), { path: 'poll.interval', line: 2, message: /greater than zero/ });
    await rejects(poll('timeout: 5s'), { path: 'poll.timeout', line: 2, message: /less than poll\.interval/ });
    await rejects(poll('interval: 2s\n  timeout: 3s'), { path: 'poll.timeout', line: 3 });
    await rejects(poll('maxInFlight: 0'), { path: 'poll.maxInFlight', line: 2, message: /1 and 64/ });
    await rejects(poll('maxInFlight: 65'), { path: 'poll.maxInFlight', line: 2, message: /1 and 64/ });
    await rejects(poll('maxInFlight: 1.5'), { path: 'poll.maxInFlight', line: 2, message: /integer/ });
    await rejects(poll('maxAnswerBytes: 1023'), { path: 'poll.maxAnswerBytes', line: 2, message: /1024/ });
    const ok = await loadText(poll('maxAnswerBytes: 1024'));
    assert.equal(ok.poll.maxAnswerBytes, 1024);
  });

  it('checks listen', async () => {
    await rejects(`listen: "0.0.0.0"\n${SOCKET_TARGET}`, { path: 'listen', line: 1, message: /HOST:PORT/ });
    await rejects(`listen: "::1:9547"\n${SOCKET_TARGET}`, { path: 'listen', line: 1, message: /brackets/ });
  });

  it('checks label names and values', async () => {
    const label = (l: string): string => `${SOCKET_TARGET}    labels:\n      ${l}\n`;
    await rejects(label('"ha-pair": x'), { path: 'targets[0].labels["ha-pair"]', line: 5, message: /invalid label name/ });
    await rejects(label('1st: x'), { path: 'targets[0].labels["1st"]', line: 5 });
    await rejects(label('__meta: x'), { path: 'targets[0].labels.__meta', line: 5, message: /"__"/ });
    await rejects(label('site: {a: 1}'), { path: 'targets[0].labels.site', line: 5, message: /string/ });
  });

  // The set itself is derived from the declared families: src/render/prometheus/reserved-labels.test.ts.
  it('refuses the reserved label names it is given, at their key and line, with the other problems', async () => {
    const reservedLabels = new Set(['context', 'subnet_id']);
    const label = (l: string): string => `${SOCKET_TARGET}    labels:\n      site: x\n      ${l}\n`;
    for (const name of reservedLabels) {
      await rejects(
        label(`${name}: x`),
        { path: `targets[0].labels.${name}`, line: 6, message: new RegExp(`^label name "${name}" is reserved: the exporter sets it itself$`) },
        '.yaml',
        {},
        { reservedLabels },
      );
    }
    const json = await rejects(
      '{ targets: [{ name: "a", socket: "/x" }, { name: "b", socket: "/y", labels: { context: "c" } }] }',
      { path: 'targets[1].labels.context', message: /reserved/ },
      '.json5',
      {},
      { reservedLabels },
    );
    assert.equal(json.issues.length, 1);
    // One error for every problem of the file, the schema's and these.
    const both = await rejects(
      `poll: {maxInFlight: 0}\n${label('context: x')}`,
      { path: 'targets[0].labels.context', line: 7 },
      '.yaml',
      {},
      { reservedLabels },
    );
    assert.deepEqual(
      both.issues.map((i) => i.path),
      ['poll.maxInFlight', 'targets[0].labels.context'],
    );
    // Only the names given: the loader knows no family.
    assert.deepEqual((await loadText(label('context: x'))).targets[0]?.labels, { site: 'x', context: 'x' });
  });

  it('reports every problem in one ConfigError, one per line', async () => {
    const err = await rejects('poll: {maxInFlight: 0}\ntargets:\n  - name: a\n    sockett: /x\n', { path: 'poll.maxInFlight', line: 1 });
    assert.deepEqual(
      err.issues.map((i) => [i.path, i.line]),
      [
        ['poll.maxInFlight', 1],
        ['targets[0].sockett', 4],
        ['targets[0]', 3],
      ],
    );
    assert.equal(err.message.split('\n').length, 3);
    assert.equal(err.path, 'poll.maxInFlight');
    assert.equal(err.line, 1);
  });

  it('reports syntax errors with their line', async () => {
    await rejects('targets:\n  - name: a\n   socket: [x\n', { path: '', message: /^syntax error/ });
    const yaml = await rejects('listen: a\nlisten: b\ntargets: []\n', { path: '', line: 2, message: /syntax error.*unique/i });
    assert.equal(yaml.line, 2);
    const json = await rejects(
      '{\n  targets: [\n    {name: "a",, socket: "/x"}\n  ]\n}\n',
      { path: '', line: 3, message: /^syntax error at column 16: unexpected character$/ },
      '.json5',
    );
    assert.equal(json.line, 3);
    await rejects('# only a comment\n', { path: '', message: /empty/ });
    await rejects('- a\n- b\n', { path: '', message: /expected a mapping, got a list/ });
  });

  it('bounds nesting before the recursive walks (no stack overflow)', async () => {
    const deep = `{"targets": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const err = await rejects(deep, { path: `targets${'[0]'.repeat(31)}`, message: /^nested more than 32 levels deep$/ }, '.json5');
    assert.equal(err.issues.length, 1);
  });

  it('rejects other extensions and unreadable files', async () => {
    const toml = await writeTemp('targets = []', '.toml');
    await assert.rejects(loadConfigFile(toml), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${toml}: unsupported file extension ".toml"`));
    assert.throws(() => parseConfigText('', 'x.ini'), ConfigError);
    const missing = path.join(dir, 'missing.yaml');
    await assert.rejects(loadConfigFile(missing), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `${missing}: cannot read file: no such file or directory (ENOENT)`);
      return true;
    });
    const folder = path.join(dir, 'folder.yaml');
    await mkdir(folder);
    await assert.rejects(
      loadConfigFile(folder),
      (e: unknown) => e instanceof ConfigError && /^.*folder\.yaml: cannot read file: .*\(EISDIR\)$/.test(e.message),
    );
  });
});

describe('defaultConfig', () => {
  it('watches the three daemons over their sockets and the agent alone', () => {
    const c = defaultConfig();
    assert.deepEqual(c, {
      listen: { host: '0.0.0.0', port: 9547 },
      poll: DEFAULT_POLL,
      statistics: DEFAULT_STATS,
      proxy: DEFAULT_PROXY,
      otel: DEFAULT_OTEL,
      shard: { index: 0, count: 1 },
      probe: DEFAULT_PROBE,
      modules: {},
      targets: [
        { kind: 'socket', name: 'kea-dhcp4', socket: '/run/kea/kea4-ctrl-socket', daemon: 'dhcp4', labels: {} },
        { kind: 'socket', name: 'kea-dhcp6', socket: '/run/kea/kea6-ctrl-socket', daemon: 'dhcp6', labels: {} },
        { kind: 'socket', name: 'kea-dhcp-ddns', socket: '/run/kea/kea-ddns-ctrl-socket', daemon: 'd2', labels: {} },
        { kind: 'agent', name: 'kea-ctrl-agent', url: 'http://127.0.0.1:8000/', services: [], labels: {} },
      ],
    });
    assert.ok(Object.isFrozen(c.targets[3]));
  });
});
