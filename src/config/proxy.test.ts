import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';

const TARGET = 'targets:\n  - { name: a, socket: /run/a.sock }\n';

test('proxy: defaults off; a full section in ms with paths resolved', () => {
  assert.equal(parseConfigText(TARGET, '/etc/k/c.yaml').proxy.enabled, false);
  const c = parseConfigText(
    `proxy:
  enabled: true
  listen: "127.0.0.1:9548"
  tls: { cert: p.pem, key: p.key, clientCa: ca.pem }
  timeout: 10s
  rateLimit: { max: 5, window: 30s }
  users: [ { name: ops, password: "x", role: admin } ]
  tokens: [ { name: g, token: "0123456789abcdef" } ]
  roles: { site: { commands: ["status-get"], targets: ["a*"] } }
${TARGET}`,
    '/etc/k/c.yaml',
  );
  assert.deepEqual(c.proxy.listen, { host: '127.0.0.1', port: 9548 });
  assert.deepEqual(c.proxy.tls, { cert: '/etc/k/p.pem', key: '/etc/k/p.key', clientCa: '/etc/k/ca.pem' });
  assert.equal(c.proxy.timeoutMs, 10_000);
  assert.deepEqual(c.proxy.rateLimit, { max: 5, windowMs: 30_000 });
  assert.equal(c.proxy.tokens[0]?.role, 'read-only');
  assert.deepEqual(c.proxy.roles.site, { commands: ['status-get'], targets: ['a*'], unredacted: false });
});

test('proxy: bad sections name the key', () => {
  const cases: [string, RegExp][] = [
    ['proxy: { enabled: true }', /proxy\.users: the proxy needs at least one user or token/],
    ['proxy: { users: [ { name: u, password: p, role: boss } ] }', /proxy\.users\[0\]\.role: unknown role \(neither built in nor under proxy\.roles\)/],
    [
      'proxy: { roles: { r: { commands: ["status-get", "ha-*"] } } }',
      /proxy\.roles\.r\.commands\[1\]: this glob matches no read-only command: globs grant reads only/,
    ],
    ['proxy: { roles: { r: { commands: ["lease4-wipe*"] } } }', /proxy\.roles\.r\.commands\[0\]: this glob matches no read-only command/],
    ['proxy: { roles: { r: { commands: ["lease*-get"] } } }', /proxy\.roles\.r\.commands\[0\]: must be a Kea command name/],
    ['proxy: { roles: { r: { commands: ["Status-Get"] } } }', /proxy\.roles\.r\.commands\[0\]: must be a Kea command name/],
    ['proxy: { roles: { admin: { commands: ["*"] } } }', /proxy\.roles\.admin: is built in/],
    ['proxy: { users: [ { name: u, password: "scrypt$1$2" } ] }', /proxy\.users\[0\]\.password: malformed scrypt hash/],
    ['proxy: { tls: { cert: a, key: b } }', /proxy\.tls: only with proxy\.listen/],
    ['proxy: { tokens: [ { name: t, token: short } ] }', /proxy\.tokens\[0\]\.token: tokens need at least 16 characters/],
    ['proxy: { maxBodyBytes: 10 }', /proxy\.maxBodyBytes: must be at least 1024/],
    ['proxy: { maxAnswerBytesInFlight: 65536 }', /proxy\.maxAnswerBytesInFlight: must be at least 1048576/],
    ['proxy: { users: [ { name: u, password: p, rol: admin } ] }', /proxy\.users\[0\]\.rol: unknown key/],
  ];
  for (const [yaml, re] of cases) {
    assert.throws(
      () => parseConfigText(`${yaml}\n${TARGET}`, 'p.yaml'),
      (e: ConfigError) => re.test(e.message),
      yaml,
    );
  }
  // A role name is a config value: never echoed.
  assert.throws(
    () => parseConfigText(`proxy: { users: [ { name: u, password: p, role: s3cr3t-role } ] }\n${TARGET}`, 'p.yaml'),
    (e: ConfigError) => !e.message.includes('s3cr3t'),
  );
});
