/** Redaction against every key of every real config-get capture (2.2.0, 2.6.3, 3.0.4), the
 * issue's leaked names, and generated JSON with secrets planted anywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SECRET_PLACEHOLDER as S, redactConfig } from './redact.js';
import { captures } from '../../test/support/captures.js';

/** Where the captures hold secrets: authentication clients' passwords (Control Agent, Kea 3
 * HTTP control sockets), HA peers' basic-auth passwords, TSIG secrets, and Kea's config hash
 * (SHA-256 over the config with those secrets). Nothing else may change. */
const SECRET_PATHS = [/\.authentication\.clients\[\d+\]\.password$/, /\.peers\[\d+\]\.basic-auth-password$/, /^DhcpDdns\.tsig-keys\[\d+\]\.secret$/, /^hash$/];

/** Every leaf of a JSON value with its path (`a.b[0].c`), and every key met. */
function leaves(v: unknown, path = '', out: [string, unknown][] = [], keys = new Set<string>()): { out: [string, unknown][]; keys: Set<string> } {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${path}[${i}]`, out, keys));
  else if (typeof v === 'object' && v !== null && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) {
      keys.add(k);
      leaves(x, path ? `${path}.${k}` : k, out, keys);
    }
  } else out.push([path, v]);
  return { out, keys };
}

test('every key of every config-get capture: the known secrets are hidden, nothing else changes', () => {
  const all = captures('config-get');
  assert.equal(all.length, 25);
  const keys = new Set<string>();
  const hidden = new Map<string, number>();
  for (const { version, file, args } of all) {
    const before = new Map(leaves(args, '', [], keys).out);
    const after = new Map(leaves(redactConfig(args)).out);
    assert.deepEqual([...after.keys()], [...before.keys()], `${version}/${file}: same shape`);
    for (const [path, value] of before) {
      const secret = SECRET_PATHS.some((re) => re.test(path));
      assert.equal(after.get(path), secret ? S : value, `${version}/${file}: ${path}`);
      if (secret) {
        assert.notEqual(value, S);
        const key = path.replace(/\[\d+\]/g, '[]');
        hidden.set(key, (hidden.get(key) ?? 0) + 1);
      }
    }
    assert.doesNotMatch(JSON.stringify(redactConfig(args)), /adminpass|monpass|LSWXnfkKZjdPJI5QxlpnfQ|"hash": "[0-9A-F]{64}"/, file);
  }
  // The captures do hold each kind, so this test can fail.
  const kinds = [...hidden.keys()].join('\n');
  for (const re of [/authentication\.clients\[\]\.password$/m, /basic-auth-password$/m, /tsig-keys\[\]\.secret$/m, /^hash$/m]) assert.match(kinds, re);
  assert.ok([...hidden.values()].reduce((a, b) => a + b) >= 50);
  // Structural keys Kea reads back are among those walked, and were left alone above.
  for (const k of ['key-name', 'user', 'basic-auth-user', 'algorithm', 'name', 'realm', 'url', 'server-tag', 'hostname', 'socket-name', 'this-server-name']) {
    assert.ok(keys.has(k), k);
  }
  assert.ok(keys.size >= 180, `${keys.size} distinct keys`);
});

test("the issue's leaked names are all hidden", () => {
  const planted = {
    Dhcp4: {
      'hooks-libraries': [
        {
          library: 'libdhcp_x.so',
          parameters: {
            dbPassword: 'leak-1',
            adminPassword: 'leak-2',
            apiSecret: 'leak-3',
            apiToken: 'leak-4',
            secretKey: 'leak-5',
            secret_key: 'leak-6',
            ssh_key: 'leak-7',
            passphrase: 'leak-8',
            credentials: { user: 'u', pass: 'leak-9', list: ['leak-10'] },
            upstream: ' http://user:leak-11@example.net/',
            'auth-header': 'Basic bGVhazpsZWFrLTEy',
            note: 'see https://ops:leak-13@x.example/y and Authorization: Bearer leak-14',
          },
        },
      ],
    },
  };
  const out = JSON.stringify(redactConfig(planted));
  assert.doesNotMatch(out, /leak-|bGVhazpsZWFrLTEy/);
  assert.match(out, /"library":"libdhcp_x.so"/);
  assert.match(out, /http:\/\/user:\*\*\*\*\*@example\.net/);
});

const SECRET_WORD = fc.constantFrom(
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
  'apiKey',
  'api_key',
  'private-key',
  'secretKey',
  'ssh_key',
  'accessKey',
  'auth-header',
  'authorization',
  'auth-key',
);
const STYLE = fc.constantFrom('kebab', 'snake', 'camel', 'upper', 'dot', 'space');
const PREFIX = fc.constantFrom('', 'db', 'admin', 'vault', 'x', 'radius', 'client');

/** A secret-like key in any style: ["db", "api_key"] → dbApiKey, DB_API_KEY, db.api.key, ... */
const secretKey = fc.tuple(PREFIX, SECRET_WORD, STYLE).map(([prefix, word, style]) => {
  const words = [
    prefix,
    ...word
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[-_ ]/),
  ].filter(Boolean);
  switch (style) {
    case 'snake':
      return words.join('_');
    case 'camel':
      return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
    case 'upper':
      return words.join('_').toUpperCase();
    case 'dot':
      return words.join('.');
    case 'space':
      return words.join(' ');
    default:
      return words.join('-');
  }
});
/** The planted secret: a marker no generated base text contains. */
const secretText = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 8, maxLength: 24 })
  .map((s) => `Zq9${s}`);
/** What carries it: the value itself, buried in an object or list, or a string under a harmless key. */
const planting = fc.tuple(secretKey, secretText, fc.nat(4)).map(([key, secret, form]): [string, unknown] => {
  switch (form) {
    case 0:
      return [key, secret];
    case 1:
      return [key, { nested: [secret], n: 1 }];
    case 2:
      return ['note', `go to http://kea:${secret}@db.example:3306/kea now`];
    case 3:
      return ['header', `Authorization: Bearer ${secret}`];
    default:
      return ['conn', `host=db ${key.replace(/[ .]/g, '_')}=${secret} port=5432`];
  }
});

/** Every object and list of a value (the places a planting can go). */
function containers(v: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (typeof v === 'object' && v !== null) {
    out.push(v as Record<string, unknown> | unknown[]);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
}

test('property: a secret planted under a secret-like key anywhere never comes out', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.array(fc.tuple(planting, fc.nat()), { minLength: 1, maxLength: 6 }), (base, plants) => {
      const root = { Dhcp4: structuredClone(base) };
      const secrets: string[] = [];
      for (const [[key, value], where] of plants) {
        const places = containers(root);
        const place = places[where % places.length]!;
        if (Array.isArray(place)) place.push({ [key]: value });
        else place[key] = value;
        secrets.push(JSON.stringify(value).match(/Zq9[A-Za-z0-9]+/)![0]);
      }
      const out = JSON.stringify(redactConfig(root));
      return secrets.every((s) => !out.includes(s));
    }),
    { numRuns: 3000 },
  );
});
