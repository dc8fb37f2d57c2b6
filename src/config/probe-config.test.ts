/** probe.* and modules.* in the file: defaults, what a module carries, and each mistake named by
 * key and line without the value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, parseConfigText } from './load.js';

const issuesOf = (text: string) => {
  try {
    parseConfigText(text, '/etc/k/c.yaml', { PW: 'secret-pw' });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues;
  }
  return assert.fail('accepted');
};

test('targets may be empty when probe.allow names what service discovery may bring', () => {
  const c = parseConfigText(
    `targets: []
probe: { allow: ["/run/kea/*"], maxTargets: 50, idleAfter: 2m }
modules:
  kea3:
    daemon: dhcp4
    labels: { fleet: a }
    auth: { username: mon, password: "\${PW}" }
    tls: { ca: ca.pem, cert: c.pem, key: c.key }
    statistics: { perPool: false, maxSeries: 10 }
`,
    '/etc/k/c.yaml',
    { PW: 'secret-pw' },
  );
  assert.deepEqual(c.targets, []);
  assert.deepEqual(c.probe, { allow: ['/run/kea/*'], maxTargets: 50, idleAfterMs: 120_000 });
  assert.deepEqual(c.modules.kea3, {
    daemon: 'dhcp4',
    labels: { fleet: 'a' },
    auth: { username: 'mon', password: 'secret-pw' },
    tls: { ca: path.resolve('/etc/k/ca.pem'), cert: path.resolve('/etc/k/c.pem'), key: path.resolve('/etc/k/c.key'), insecureSkipVerify: false },
    statistics: { perPool: false, maxSeries: 10 },
  });
  assert.match(issuesOf('targets: []\n')[0]!.message, /at least one target is required \(or probe.allow/);
});

test('mistakes are named by key and line, never by value', () => {
  const issues = issuesOf(`targets: []
probe:
  allow: ["http://Kea-*.example/", "kea-*", "/run/kea/*"]
  maxTargets: 0
modules:
  "bad name": {}
  m:
    tls: { cert: c.pem }
    auth: { username: mon, password: "\${PW}" }
    colour: blue
`);
  const at = issues.map((i) => `${i.path}@${i.line}: ${i.message}`);
  assert.ok(
    at.some((s) => /^probe\.allow\[0\]@3: write it as it is normalised/.test(s)),
    at.join('\n'),
  );
  assert.ok(
    at.some((s) => /^probe\.allow\[1\]@3: not an address pattern/.test(s)),
    at.join('\n'),
  );
  assert.ok(
    at.some((s) => /^probe\.maxTargets@4: must be at least 1/.test(s)),
    at.join('\n'),
  );
  assert.ok(
    at.some((s) => /^modules\["bad name"\]@6: module name must match/.test(s)),
    at.join('\n'),
  );
  assert.ok(
    at.some((s) => /^modules\.m\.tls@8: cert and key must be given together/.test(s)),
    at.join('\n'),
  );
  assert.ok(
    at.some((s) => /^modules\.m\.colour@10: unknown key/.test(s)),
    at.join('\n'),
  );
  assert.ok(!JSON.stringify(issues).includes('secret-pw') && !JSON.stringify(issues).includes('Kea-*'), 'no value in a message');
});
