/** Files the config names (TLS material) are checked when it is loaded: each problem is a
 * ConfigError at the key and line that name the file, saying what is wrong, never the path. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_REFERENCED_FILE_BYTES, osReason, referencedFiles, setupFailure } from './files.js';
import { ConfigError, loadConfigFile, parseConfigText } from './load.js';

let dir = '';
let n = 0;
// A path component that must never show up in a message.
const HIDDEN = 'pathvalue-Zx81q';
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'config-files-'));
  mkdirSync(path.join(dir, HIDDEN));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, HIDDEN, f), '-----BEGIN CERTIFICATE-----\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const at = (f: string) => path.join(dir, HIDDEN, f);
const write = (text: string, ext = '.yaml') => {
  const file = path.join(dir, `c-${++n}${ext}`);
  writeFileSync(file, text);
  return file;
};
const tlsTarget = (tls: string) => `targets:\n  - name: k3\n    url: "https://127.0.0.1:8004/"\n    daemon: dhcp4\n    tls:\n${tls}`;

async function rejected(file: string): Promise<ConfigError> {
  const err = await loadConfigFile(file, {}).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  assert.ok(!err.message.includes(HIDDEN), `a message shows the path:\n${err.message}`);
  return err;
}

describe('referenced files at load', () => {
  it('loads when every file is a readable regular file', async () => {
    const c = await loadConfigFile(write(tlsTarget(`      ca: "${at('ca.pem')}"\n      cert: "${at('cert.pem')}"\n      key: "${at('key.pem')}"\n`)), {});
    assert.equal(c.targets.length, 1);
  });

  it('a missing file: its key, its line and the reason', async () => {
    const err = await rejected(write(tlsTarget(`      ca: "${at('ca.pem')}"\n      cert: "${at('gone.pem')}"\n      key: "${at('key.pem')}"\n`)));
    assert.deepEqual(err.issues, [{ path: 'targets[0].tls.cert', line: 7, message: 'cannot read the file it names: no such file or directory (ENOENT)' }]);
    assert.ok(err.message.startsWith(`${path.join(dir, `c-${n}.yaml`)}: targets[0].tls.cert: cannot read the file it names`));
  });

  it('a directory, a FIFO, a file over the size cap: each said, every one reported', async () => {
    const fifo = at('fifo');
    execFileSync('mkfifo', [fifo]);
    const big = at('big.pem');
    writeFileSync(big, '');
    truncateSync(big, MAX_REFERENCED_FILE_BYTES + 1); // sparse: no MB written
    const err = await rejected(write(tlsTarget(`      ca: "${path.join(dir, HIDDEN)}"\n      cert: "${fifo}"\n      key: "${big}"\n`)));
    assert.deepEqual(
      err.issues.map((i) => [i.path, i.line, i.message]),
      [
        ['targets[0].tls.ca', 6, 'names a directory, not a regular file'],
        ['targets[0].tls.cert', 7, 'names a FIFO, not a regular file'],
        ['targets[0].tls.key', 8, 'the file it names is larger than 1 MiB (a certificate or key is a few KB)'],
      ],
    );
  });

  it('the proxy listener files too (when the proxy is enabled), and JSON5 names the key (no lines there)', async () => {
    const proxy = (clientCa: string) => `{ proxy: { enabled: true, listen: "127.0.0.1:0", users: [{ name: "u", password: "p" }],
      tls: { cert: "${at('cert.pem')}", key: "${at('key.pem')}", clientCa: "${clientCa}" } },
      targets: [{ name: "a", socket: "/run/a.sock" }] }`;
    const err = await rejected(write(proxy(at('nope.pem')), '.json5'));
    assert.deepEqual(err.issues, [{ path: 'proxy.tls.clientCa', message: 'cannot read the file it names: no such file or directory (ENOENT)' }]);
    await loadConfigFile(write(proxy(at('ca.pem')), '.json5'), {});
    await loadConfigFile(write(proxy(at('nope.pem')).replace('enabled: true', 'enabled: false'), '.json5'), {});
  });

  it('relative paths are checked where they resolve (beside the config file)', async () => {
    const ok = `      ca: ${HIDDEN}/ca.pem\n`;
    await loadConfigFile(write(tlsTarget(ok)), {});
    const err = await rejected(write(tlsTarget(`      ca: ${HIDDEN}/missing.pem\n`)));
    assert.equal(err.issues[0]?.path, 'targets[0].tls.ca');
  });

  it('the pure parser does no I/O: the same text parses', () => {
    const c = parseConfigText(tlsTarget('      ca: /nonexistent/ca.pem\n'), 'x.yaml', {});
    assert.deepEqual(referencedFiles(c), [{ path: ['targets', 0, 'tls', 'ca'], file: '/nonexistent/ca.pem' }]);
  });
});

describe('reasons without paths', () => {
  it('osReason keeps the description and the code, drops what follows the syscall', () => {
    const e = Object.assign(new Error(`ENOENT: no such file or directory, open '/x/${HIDDEN}'`), { code: 'ENOENT', syscall: 'open', path: `/x/${HIDDEN}` });
    assert.equal(osReason(e), 'no such file or directory (ENOENT)');
    const link = Object.assign(new Error(`EXDEV: cross-device link not permitted, rename '/a' -> '/${HIDDEN}'`), { code: 'EXDEV', syscall: 'rename' });
    assert.equal(osReason(link), 'cross-device link not permitted (EXDEV)');
    assert.equal(
      osReason(Object.assign(new Error(`The argument 'path' ... Received '${HIDDEN}\0'`), { code: 'ERR_INVALID_ARG_VALUE' })),
      'error ERR_INVALID_ARG_VALUE',
    );
    assert.equal(osReason(new Error(HIDDEN)), 'unexpected error');
  });

  it('setupFailure maps a read error to the key that names the file', () => {
    const c = parseConfigText(tlsTarget(`      ca: "${at('ca.pem')}"\n      cert: "${at('gone.pem')}"\n      key: "${at('key.pem')}"\n`), 'x.yaml', {});
    const e = Object.assign(new Error(`ENOENT: no such file or directory, open '${at('gone.pem')}'`), {
      code: 'ENOENT',
      syscall: 'open',
      path: at('gone.pem'),
    });
    assert.equal(setupFailure(c, 0, e), 'targets[0].tls.cert: cannot read the file it names: no such file or directory (ENOENT)');
    assert.equal(setupFailure(c, 0, new TypeError(HIDDEN)), 'targets[0]: cannot be set up: internal error (TypeError)');
  });
});
