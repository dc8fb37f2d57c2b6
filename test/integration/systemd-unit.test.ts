/** packaging/systemd: the exporter's unit passes `systemd-analyze verify` with no complaint and
 * `systemd-analyze security` under a threshold, and deliberately broken copies fail both; it
 * carries the settings the deployment relies on; the sysusers.d line makes the unit's user; the
 * Kea UMask drop-in applies cleanly to each of Debian's Kea units; the example configuration is
 * the embedded default, valid.
 *
 * verify needs every Exec*= binary to exist: the unit is checked as a copy whose ExecStart
 * names a stub in a temp dir, every other byte unchanged (the test asserts it). The user need not
 * exist for verify. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig, loadConfigFile } from '../../src/config/load.js';
import { PACKAGE_JSON, ROOT } from '../support/installed-package.js';

const DIR = path.join(ROOT, 'packaging', 'systemd');
const UNIT = 'kea-telemetry.service';
const UNIT_TEXT = readFileSync(path.join(DIR, UNIT), 'utf8');
/** Where `npm install -g --prefix /usr/local` puts the bin (the unit's ExecStart). */
const INSTALLED_BIN = `/usr/local/bin/${Object.keys(PACKAGE_JSON.bin)[0]}`;
/** Exposure the unit must stay at or below, in --threshold's tenths (0 = locked down, 100 =
 * none; systemd prints 0.0-10.0): it scores 16 ("1.6 OK") on systemd 252. */
const SECURITY_THRESHOLD = 20;
const KEA_UNITS = ['kea-dhcp4-server', 'kea-dhcp6-server', 'kea-dhcp-ddns-server', 'kea-ctrl-agent'];

let tmp: string;
let stub: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'systemd-unit-'));
  stub = path.join(tmp, 'bin', 'kea-telemetry');
  mkdirSync(path.dirname(stub));
  writeFileSync(stub, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

type Unit = Record<string, Record<string, string[]>>;

/** Sections, keys and every value of a key (a key may repeat), comments and blanks left out. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) section = unit[head[1]!] ??= {};
    else {
      const eq = line.indexOf('=');
      assert.ok(section && eq > 0, `not a unit line: ${line}`);
      (section[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
    }
  }
  return unit;
}

/** The unit as verify can check it: ExecStart's binary is the stub; the file named kea-telemetry.service. */
function checkable(text: string, name = 'case'): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, UNIT);
  writeFileSync(file, text.replace(`ExecStart=${INSTALLED_BIN} `, `ExecStart=${stub} `));
  return file;
}

/** systemd-analyze's exit code and everything it printed. */
function analyze(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('/usr/bin/systemd-analyze', args, { encoding: 'utf8' });
  assert.ok(!r.error, `systemd-analyze: ${r.error?.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
const verify = (file: string) => analyze('verify', file);
const security = (file: string) => analyze('security', '--offline=yes', `--threshold=${SECURITY_THRESHOLD}`, file);

describe('kea-telemetry.service', () => {
  test('the checked copy differs from the unit in the ExecStart binary only', () => {
    const copy = readFileSync(checkable(UNIT_TEXT, 'diff'), 'utf8').split('\n');
    const differ = UNIT_TEXT.split('\n').flatMap((l, i) => (l === copy[i] ? [] : [[l, copy[i]]]));
    assert.deepEqual(differ, [
      [`ExecStart=${INSTALLED_BIN} --config /etc/kea-telemetry/config.yaml`, `ExecStart=${stub} --config /etc/kea-telemetry/config.yaml`],
    ]);
  });

  test('systemd-analyze verify: exit 0, nothing printed', () => {
    assert.deepEqual(verify(checkable(UNIT_TEXT, 'good')), { status: 0, output: '' });
  });

  // Each breaks the unit in a way verify reports (several only as a warning: hence "nothing printed").
  const BROKEN: [string, (t: string) => string][] = [
    ['a misspelt key', (t) => t.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes')],
    ['a bad Restart=', (t) => t.replace('Restart=on-failure', 'Restart=sometimes')],
    ['an unknown system call group', (t) => t.replace('SystemCallFilter=@system-service', 'SystemCallFilter=@system-servic')],
    ['a bad LimitNOFILE=', (t) => t.replace('LimitNOFILE=65536', 'LimitNOFILE=plenty')],
    ['no ExecStart=', (t) => t.replace(/^ExecStart=.*\n/m, '')],
    ['a misspelt section', (t) => t.replace('[Service]', '[Servce]')],
    ['an ExecReload= binary that does not exist', (t) => t.replace('ExecReload=/bin/kill', 'ExecReload=/bin/kil')],
  ];
  for (const [what, breakIt] of BROKEN) {
    test(`verify fails on ${what}`, () => {
      const text = breakIt(UNIT_TEXT);
      assert.notEqual(text, UNIT_TEXT, 'the mutation applies');
      const r = verify(checkable(text, what.replace(/\W+/g, '-')));
      assert.ok(r.status !== 0 || r.output !== '', `verify accepted ${what}`);
    });
  }

  test('verify fails on the unit as shipped where the ExecStart binary is absent', () => {
    assert.ok(!existsSync(INSTALLED_BIN), `${INSTALLED_BIN} exists here: the test cannot show verify missing it`);
    const dir = path.join(tmp, 'shipped');
    mkdirSync(dir);
    copyFileSync(path.join(DIR, UNIT), path.join(dir, UNIT));
    const r = verify(path.join(dir, UNIT));
    assert.notEqual(r.status, 0);
    assert.match(r.output, new RegExp(`Command ${INSTALLED_BIN} is not executable`));
  });

  test(`systemd-analyze security: exposure at most ${SECURITY_THRESHOLD / 10}; without the hardening block, over it`, () => {
    const good = security(checkable(UNIT_TEXT, 'security'));
    assert.equal(good.status, 0, good.output.split('\n').slice(-3).join('\n'));
    const soft = UNIT_TEXT.slice(0, UNIT_TEXT.indexOf('# Hardening.')) + UNIT_TEXT.slice(UNIT_TEXT.indexOf('[Install]'));
    const weak = security(checkable(soft, 'soft'));
    assert.notEqual(weak.status, 0, weak.output.split('\n').slice(-3).join('\n'));
  });

  test('the settings the deployment relies on', () => {
    const s = parseUnit(UNIT_TEXT).Service!;
    const expected: Record<string, string[]> = {
      Type: ['simple'],
      User: ['kea-telemetry'],
      Group: ['kea-telemetry'],
      SupplementaryGroups: ['_kea'],
      ExecStart: [`${INSTALLED_BIN} --config /etc/kea-telemetry/config.yaml`],
      ExecReload: ['/bin/kill -HUP $MAINPID'],
      Restart: ['on-failure'],
      RestartSec: ['5s'],
      LimitNOFILE: ['65536'],
      NoNewPrivileges: ['yes'],
      CapabilityBoundingSet: [''],
      AmbientCapabilities: [''],
      ProtectSystem: ['strict'],
      ProtectHome: ['yes'],
      PrivateTmp: ['yes'],
      RestrictAddressFamilies: ['AF_UNIX AF_INET AF_INET6'],
      SystemCallFilter: ['@system-service', '~@privileged'],
      SystemCallErrorNumber: ['EPERM'],
    };
    for (const [key, values] of Object.entries(expected)) assert.deepEqual(s[key], values, key);
    // V8's JIT writes code pages, then executes them: this setting would kill the process.
    assert.equal(s.MemoryDenyWriteExecute, undefined);
    // No setting that would give back what the sandbox takes.
    for (const key of ['PermissionsStartOnly', 'ReadWritePaths', 'DynamicUser']) assert.equal(s[key], undefined, key);
  });
});

describe('kea-telemetry.sysusers.conf', () => {
  const sysusers = (conf: string, root: string) => {
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    const file = path.join(root, 'kea-telemetry.conf');
    writeFileSync(file, conf);
    return spawnSync('/usr/bin/systemd-sysusers', [`--root=${root}`, file], { encoding: 'utf8' });
  };

  test("systemd-sysusers makes the unit's user and group: a system account with no login", () => {
    const root = path.join(tmp, 'sysusers');
    const r = sysusers(readFileSync(path.join(DIR, 'kea-telemetry.sysusers.conf'), 'utf8'), root);
    assert.equal(r.status, 0, r.stderr);
    const user = parseUnit(UNIT_TEXT).Service!.User![0]!;
    const passwd = readFileSync(path.join(root, 'etc', 'passwd'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(passwd.length, 1, passwd.join('\n'));
    const [name, , uid, gid, , home, shell] = passwd[0]!.split(':');
    assert.deepEqual({ name, home, shell }, { name: user, home: '/nonexistent', shell: '/usr/sbin/nologin' });
    assert.ok(Number(uid) < 1000, `uid ${uid} is a system uid`);
    const group = readFileSync(path.join(root, 'etc', 'group'), 'utf8').trim();
    assert.equal(group, `${user}:x:${gid}:`, 'its own group, and no line touches _kea');
  });

  test('systemd-sysusers refuses a broken line', () => {
    const r = sysusers('u kea-telemetry -- "kea-telemetry exporter"\n', path.join(tmp, 'sysusers-bad'));
    assert.notEqual(r.status, 0);
  });
});

describe("kea-umask.conf on Debian's Kea units", () => {
  for (const unit of KEA_UNITS) {
    test(`${unit}: the drop-in is [Service] UMask=0002 and verify takes it without a word; a broken one is reported`, () => {
      const shipped = `/usr/lib/systemd/system/${unit}.service`;
      assert.ok(existsSync(shipped), `${shipped} missing: scripts/test.sh installs Debian's Kea packages`);
      const dropIn = readFileSync(path.join(DIR, 'kea-umask.conf'), 'utf8');
      assert.deepEqual(parseUnit(dropIn), { Service: { UMask: ['0002'] } });
      const check = (text: string, name: string) => {
        const dir = path.join(tmp, `${unit}-${name}`);
        mkdirSync(path.join(dir, `${unit}.service.d`), { recursive: true });
        copyFileSync(shipped, path.join(dir, `${unit}.service`));
        writeFileSync(path.join(dir, `${unit}.service.d`, 'kea-telemetry.conf'), text);
        return verify(path.join(dir, `${unit}.service`));
      };
      assert.deepEqual(check(dropIn, 'good'), { status: 0, output: '' });
      const bad = check(dropIn.replace('UMask=0002', 'UMask=0o002'), 'bad');
      assert.match(bad.output, /kea-telemetry\.conf:\d+: Failed to parse mode value/);
    });
  }
});

test('the example config.yaml is valid and watches what the embedded default watches', async () => {
  const file = path.join(DIR, 'config.yaml');
  const config = await loadConfigFile(file, {}, { files: true });
  const builtIn = defaultConfig();
  assert.deepEqual(config.targets, builtIn.targets);
  assert.deepEqual(config.listen, builtIn.listen);
});
