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

test('proxy.agents: a name of its own over daemon socket targets of the right kind; bad entries name the key and line', () => {
  const targets = `targets:
  - { name: d4, url: "https://h:8004/", daemon: dhcp4 }
  - { name: d6, socket: /run/kea/d6.sock }
  - { name: ca, url: "http://h:8000/" }
  - { name: d2, socket: /run/kea/d2.sock, daemon: d2 }
`;
  const ok = parseConfigText(`proxy:\n  agents: [ { name: host1, services: { dhcp4: d4, dhcp6: d6 } } ]\n${targets}`, 'a.yaml');
  assert.deepEqual(ok.proxy.agents, [{ name: 'host1', services: { dhcp4: 'd4', dhcp6: 'd6' } }]);
  const cases: [string, RegExp][] = [
    ['{ name: d4, services: { dhcp4: d4 } }', /proxy\.agents\[0\]\.name: is a target name already/],
    ['{ name: h, services: { dhcp4: nope } }', /proxy\.agents\[0\]\.services\.dhcp4: names no target of targets/],
    ['{ name: h, services: { dhcp4: ca } }', /proxy\.agents\[0\]\.services\.dhcp4: names a Control Agent target/],
    ['{ name: h, services: { dhcp4: d2 } }', /proxy\.agents\[0\]\.services\.dhcp4: names a target whose daemon is d2/],
    ['{ name: h, services: {} }', /proxy\.agents\[0\]\.services: at least one of dhcp4, dhcp6, d2/],
    ['{ name: h, services: { ca: d6 } }', /proxy\.agents\[0\]\.services\.ca: unknown key/],
    ['{ name: "h/1", services: { dhcp6: d6 } }', /proxy\.agents\[0\]\.name: must match/],
  ];
  for (const [entry, re] of cases) {
    assert.throws(
      () => parseConfigText(`proxy:\n  agents:\n    - ${entry}\n${targets}`, 'a.yaml'),
      (e: ConfigError) => re.test(e.message) && /^a\.yaml: .*\(line 3\)/.test(e.message),
      entry,
    );
  }
  assert.throws(
    () => parseConfigText(`proxy:\n  agents:\n    - { name: h, services: { d2: d2 } }\n    - { name: h, services: { d2: d2 } }\n${targets}`, 'a.yaml'),
    (e: ConfigError) => /proxy\.agents\[1\]\.name: duplicate agent name \(same as agents\[0\]\.name\)/.test(e.message),
  );
});
