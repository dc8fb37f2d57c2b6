import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET_PLACEHOLDER, isSecretKey, keyWords, redactConfig, redactConfigHash, scrubString } from './redact.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';

const S = SECRET_PLACEHOLDER;

/** A Dhcp4 config-get answer's arguments with every kind of secret Kea has, plus their neighbours. */
const dhcp4 = () => ({
  Dhcp4: {
    'hostname-char-set': '[^A-Za-z0-9.-]',
    'hostname-char-replacement': 'x',
    'lease-database': {
      type: 'mysql',
      name: 'kea',
      user: 'kea',
      password: 'lease-db-pw',
      host: 'db1',
      port: 3306,
      'trust-anchor': '/etc/kea/ca.pem',
      'cert-file': '/etc/kea/client.pem',
      'key-file': '/etc/kea/client.key',
      'cipher-list': 'AES',
    },
    'hosts-databases': [
      { type: 'mysql', name: 'hosts', user: 'kea', password: 'hosts-db-pw-1', host: 'db1', 'read-only': true },
      { type: 'postgresql', name: 'hosts', user: 'kea', password: 'hosts-db-pw-2', host: 'db2', port: 5432 },
    ],
    'config-control': { 'config-databases': [{ type: 'mysql', name: 'cb', user: 'kea', password: 'cb-pw' }], 'config-fetch-wait-time': 20 },
    'control-sockets': [
      { 'socket-type': 'unix', 'socket-name': '/run/kea/kea4.sock' },
      {
        'socket-type': 'https',
        'socket-address': '127.0.0.1',
        'socket-port': 8004,
        'key-file': '/etc/kea/server.key',
        authentication: {
          type: 'basic',
          realm: 'kea-dhcp4',
          directory: '/etc/kea',
          clients: [
            { user: 'admin', password: 'sock-client-pw' },
            { 'user-file': 'u', 'password-file': 'p' },
          ],
        },
      },
    ],
    'hooks-libraries': [
      { library: '/usr/lib/kea/hooks/libdhcp_lease_cmds.so' },
      {
        library: '/usr/lib/kea/hooks/libdhcp_ha.so',
        parameters: {
          'high-availability': [
            {
              'this-server-name': 'server1',
              mode: 'hot-standby',
              peers: [
                { name: 'server1', url: 'http://127.0.0.1:8001/', role: 'primary', 'basic-auth-user': 'ha', 'basic-auth-password': 'ha-pw' },
                { name: 'server2', url: 'http://127.0.0.1:8002/', role: 'standby', 'basic-auth-user': 'ha', 'basic-auth-password-file': '/etc/kea/ha-auth' },
                { name: 'server3', url: 'https://ha:url-pw@backup.example:8003/', role: 'backup' },
              ],
            },
          ],
        },
      },
      { library: '/usr/lib/kea/hooks/libdhcp_radius.so', parameters: { access: { servers: [{ name: '10.0.0.1', port: 1812, secret: 'radius-secret' }] } } },
    ],
    subnet4: [{ id: 1, subnet: '192.0.2.0/24', 'user-context': { api_key: 'ctx-key', note: 'lab', 'vault-token': 'ctx-token' } }],
  },
});

const d2 = () => ({
  DhcpDdns: {
    'ip-address': '127.0.0.1',
    'tsig-keys': [
      { name: 'key.example.', algorithm: 'HMAC-SHA256', 'digest-bits': 0, secret: 'LSWXnfkKZjdPJI5QxlpnfQ==' },
      { name: 'file.example.', algorithm: 'HMAC-SHA256', 'secret-file': '/etc/kea/tsig.key' },
    ],
    'forward-ddns': { 'ddns-domains': [{ name: 'example.', 'key-name': 'key.example.', 'dns-servers': [{ 'ip-address': '192.0.2.53' }] }] },
  },
});

const ca = () => ({
  'Control-agent': {
    'http-host': '127.0.0.1',
    'http-port': 8000,
    authentication: {
      type: 'basic',
      realm: 'kea-control-agent',
      clients: [
        { user: 'admin', password: 'ca-admin-pw' },
        { user: 'ro', 'password-file': '/etc/kea/ro-pw' },
      ],
    },
    'control-sockets': { dhcp4: { 'socket-type': 'unix', 'socket-name': '/run/kea/kea4.sock' } },
  },
});

test('a Dhcp4 config: database, control-socket, HA, RADIUS and URL credentials hidden; the rest unchanged', () => {
  const input = dhcp4();
  const expected = dhcp4();
  const e = expected.Dhcp4;
  e['lease-database'].password = S;
  e['hosts-databases'][0]!.password = S;
  e['hosts-databases'][1]!.password = S;
  e['config-control']['config-databases'][0]!.password = S;
  e['control-sockets'][1]!.authentication!.clients[0]!.password = S;
  const ha = e['hooks-libraries'][1]!.parameters!['high-availability']![0]!;
  ha.peers[0]!['basic-auth-password'] = S;
  ha.peers[2]!.url = `https://ha:${S}@backup.example:8003/`;
  e['hooks-libraries'][2]!.parameters!.access!.servers[0]!.secret = S;
  e.subnet4[0]!['user-context'].api_key = S;
  e.subnet4[0]!['user-context']['vault-token'] = S;
  assert.deepEqual(redactConfig(input), expected);
  assert.deepEqual(input, dhcp4(), 'input untouched');
  assert.doesNotMatch(JSON.stringify(redactConfig(input)), /-pw"|radius-secret|ctx-key|ctx-token|url-pw/);
});

test('D2: the secret of each TSIG key; secret-file and key-name stay', () => {
  const out = redactConfig(d2()) as ReturnType<typeof d2>;
  const [k1, k2] = out.DhcpDdns['tsig-keys'];
  assert.deepEqual(k1, { name: 'key.example.', algorithm: 'HMAC-SHA256', 'digest-bits': 0, secret: S });
  assert.deepEqual(k2, d2().DhcpDdns['tsig-keys'][1]);
  assert.deepEqual(out.DhcpDdns['forward-ddns'], d2().DhcpDdns['forward-ddns']);
});

test("Control Agent: authentication clients' passwords; password-file stays", () => {
  const out = redactConfig(ca()) as ReturnType<typeof ca>;
  assert.deepEqual(out['Control-agent'].authentication.clients, [
    { user: 'admin', password: S },
    { user: 'ro', 'password-file': '/etc/kea/ro-pw' },
  ]);
  assert.equal(out['Control-agent']['http-port'], 8000);
});

test('real config-get answers without secrets come back equal, as copies', () => {
  const cases = [
    ['2.2.0', 'dhcp4-ha-primary'],
    ['2.2.0', 'd2'],
    ['2.2.0', 'ca'],
    ['2.2.0', 'dhcp6'],
  ] as const;
  for (const [version, daemon] of cases) {
    const args = fixtureArgs(version, `${daemon}.config-get`);
    const out = redactConfig(args);
    assert.deepEqual(out, args, `${version} ${daemon}`);
    assert.notEqual(out, args);
  }
});

test('never mutates: a deep-frozen input is copied, and the copy shares no object with it', () => {
  const freeze = (v: unknown): unknown => (typeof v === 'object' && v !== null ? Object.freeze(Object.values(v).forEach(freeze) ?? v) : v);
  const input = freeze(dhcp4()) as ReturnType<typeof dhcp4>;
  const out = redactConfig(input) as ReturnType<typeof dhcp4>;
  assert.equal(input.Dhcp4['lease-database'].password, 'lease-db-pw');
  assert.notEqual(out.Dhcp4['hosts-databases'], input.Dhcp4['hosts-databases']);
  assert.notEqual(out.Dhcp4['hooks-libraries'][0], input.Dhcp4['hooks-libraries'][0]);
  assert.equal(Object.isFrozen(out.Dhcp4), false);
});

test('key rules: words whatever the case or separator; path keys never; structural keys never', () => {
  for (const k of [
    'password',
    'passwd',
    'pwd',
    'secret',
    'token',
    'api-key',
    'apikey',
    'private-key',
    'basic-auth-password',
    'db-password',
    'client-secret',
    'vault-token',
    'openai-api-key',
    'PASSWORD',
    'Api_Key',
    'private_key',
    'shared_secret',
    // The leaks, and their spellings in every style.
    'dbPassword',
    'adminPassword',
    'apiSecret',
    'apiToken',
    'secretKey',
    'secret_key',
    'ssh_key',
    'passphrase',
    'credentials',
    'auth-header',
    'DB_PASSWORD',
    'db.password',
    'Db Password',
    'APIKey',
    'XApiKey',
    'sshKey',
    'SSH-KEY',
    'accessKey',
    'aws_secret_access_key',
    'authorization',
    'Authorization',
    'credential',
    'adminpassword',
    'userPassphrase',
    'auth-key',
    'tokens',
    'passwords-allowed',
  ]) {
    assert.equal(isSecretKey(k), true, k);
  }
  for (const k of [
    'password-file',
    'basic-auth-password-file',
    'secret-file',
    'key-file',
    'cert-file',
    'user',
    'user-file',
    'hostname-char-set',
    'secretary',
    'tsig-keys',
    'trust-anchor',
    'passwordFile',
    'ssh-key-path',
    'secrets-dir',
    'token_directory',
    // What Kea reads back: references, identifiers, names.
    'key-name',
    'client-id',
    'hw-address',
    'basic-auth-user',
    'algorithm',
    'name',
    'realm',
    'hostname',
    'interface-id',
    'flex-id',
    'circuit-id',
    'remote-id',
    'server-tag',
    'authentication',
    'key',
    'keys',
    'digest-bits',
    'duid',
    'server-hostname',
    'pattern',
    'hash',
    'tokenizer',
    'passport',
    'api',
    '',
    '-',
    '__proto__',
  ]) {
    assert.equal(isSecretKey(k), false, k);
  }
  assert.deepEqual(keyWords('XMLHttpAPIKey_v2.name-x y'), ['xml', 'http', 'api', 'key', 'v2', 'name', 'x', 'y']);
});

test('odd values: scalars and null pass through; any non-null secret value is hidden; __proto__ stays data', () => {
  assert.equal(redactConfig(null), null);
  assert.equal(redactConfig(5), 5);
  assert.equal(redactConfig('plain'), 'plain');
  assert.deepEqual(redactConfig([1, 'a', true, null]), [1, 'a', true, null]);
  assert.deepEqual(redactConfig({ password: null, secret: '', token: 12345, 'api-key': { nested: 'x' } }), {
    password: null,
    secret: S,
    token: S,
    'api-key': S,
  });
  const evil = JSON.parse('{"__proto__": {"password": "x", "polluted": true}}') as Record<string, unknown>;
  const out = redactConfig(evil) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { password: S, polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('strings: URL userinfo anywhere, Authorization-style values and password=... pairs; the rest of the string kept', () => {
  const cases: [string, string][] = [
    ['mysql://kea:pw@db:3306/kea', `mysql://kea:${S}@db:3306/kea`],
    ['http://u:p@ss@h/x', `http://u:${S}@h/x`],
    // A lone userinfo may be a token (https://<token>@host/).
    ['http://user@h/', `http://${S}@h/`],
    ['http://h:8000/', 'http://h:8000/'],
    // An @ after a path: over-redacted rather than risk an unencoded password with a '/'.
    ['http://h/a:b@c', `http://${S}@c`],
    ['postgres://kea:ab/cd+ef==@db:5432/kea', `postgres://kea:${S}@db:5432/kea`],
    ['not a url: x@y', 'not a url: x@y'],
    [' http://u:p@h', ` http://u:${S}@h`],
    ['see https://user:pw@x/y and ftp://a:b@c/ ok', `see https://user:${S}@x/y and ftp://a:${S}@c/ ok`],
    ['a,http://u:p1@h,http://v:p2@k', `a,http://u:${S}@k`],
    ['Basic dXNlcjpwYXNz', `Basic ${S}`],
    ['header: basic dXNlcjpwYXNz==, next', `header: basic ${S}, next`],
    ['Authorization: Bearer abc.def-ghi~', `Authorization: Bearer ${S}`],
    ['Negotiate YIIB', `Negotiate ${S}`],
    ['x Digest username="a", response="0f"\nnext', `x Digest ${S}\nnext`],
    ['host=db user=kea password=s3cr3t dbname=kea', `host=db user=kea password=${S} dbname=kea`],
    ['{"password": "x", "apiKey":"y", "n": 1}', `{"password": "${S}", "apiKey":"${S}", "n": 1}`],
    ['https://api/x?token=abc&y=1', `https://api/x?token=${S}&y=1`],
    ["secret='q'", `secret='${S}'`],
    ['password="unterminated', `password="${S}"`],
    ['[^A-Za-z0-9.-]', '[^A-Za-z0-9.-]'],
    ['%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m\n', '%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m\n'],
    ['basic', 'basic'],
    ['http://127.0.0.1:18001/', 'http://127.0.0.1:18001/'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(scrubString(input), expected, input);
    assert.equal((redactConfig({ note: input }) as { note: string }).note, expected, input);
  }
});

// Linear, these take well under a second together; each shape took 8 to 36 s at a quarter of
// these sizes with the quadratic scans this replaced. The timeout only stops a hang.
test('strings: linear on hostile shapes (no catastrophic backtracking)', { timeout: 120_000 }, () => {
  for (const s of [
    'a://'.repeat(200_000) + ' @',
    'a='.repeat(400_000),
    'token'.repeat(100_000) + '=',
    'x'.repeat(400_000) + ':',
    'password='.repeat(50_000) + '"',
    'Basic '.repeat(100_000),
    `http://${'u:'.repeat(200_000)}@h`,
  ]) {
    assert.equal(typeof scrubString(s), 'string');
  }
});

test('a hostile answer nested 10,000 deep: no stack overflow, the deep part hidden whole', () => {
  let deep: unknown = { password: 'deep-pw' };
  for (let i = 0; i < 10_000; i++) deep = [deep];
  const out = JSON.stringify(redactConfig({ Dhcp4: { a: deep } }));
  assert.doesNotMatch(out, /deep-pw/);
  assert.ok(out.includes(S));
});

test("Kea's config hash: hidden beside the config (config-get) and in config-hash-get", () => {
  const hash = '058E2F23C774F13627D241FF8A0A6AB25D8144F967EE243B3C59E146900326F4';
  assert.deepEqual(redactConfig({ Dhcp4: { 'valid-lifetime': 7200, hash: 'not-the-top' }, hash }), {
    Dhcp4: { 'valid-lifetime': 7200, hash: 'not-the-top' },
    hash: S,
  });
  assert.deepEqual(redactConfigHash({ hash }), { hash: S });
  assert.equal(redactConfigHash(undefined), undefined);
});
