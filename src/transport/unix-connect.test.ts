/** A UNIX control socket the kernel refuses (EACCES: Debian's Kea sockets are srwxr-xr-x _kea;
 * EPERM: a security policy) is `connect`, and its message says what to fix, on both the polled
 * and the streamed exchange. Root bypasses file modes, so here the kernel's answer is stood in
 * for; test/integration/unprivileged-socket.test.ts gets the real one from real Kea. */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KeaError } from '../errors.js';
import { SOCKET_PERMISSION_HINTS, unixConnectError } from './unix-connect.js';
import { UnixTransport } from './unix.js';

const PATH = '/run/kea/kea4-ctrl-socket';
const original = net.createConnection;
afterEach(() => {
  net.createConnection = original;
});

/** net.createConnection answering with `code`, as the kernel would at connect(). */
function refuse(code: string): void {
  net.createConnection = () => {
    const s = new net.Socket();
    process.nextTick(() => s.destroy(Object.assign(new Error(`connect ${code} ${PATH}`), { code, syscall: 'connect', address: PATH })));
    return s;
  };
}

const kea = () => new UnixTransport(PATH, 1 << 20);

describe('permission refused on a UNIX control socket', () => {
  for (const code of ['EACCES', 'EPERM'] as const) {
    test(`${code}: connect, the errno and what to fix, on request() and stream()`, async () => {
      refuse(code);
      const hint = SOCKET_PERMISSION_HINTS[code]!;
      const expected = (err: unknown) => {
        assert.ok(err instanceof KeaError);
        assert.equal(err.code, 'connect');
        assert.equal(err.message, `status-get on ${PATH}: ${code}: ${hint}`);
        return true;
      };
      await assert.rejects(kea().request({ command: 'status-get' }, 1000), expected);
      await assert.rejects(kea().stream({ command: 'status-get' }, AbortSignal.timeout(1000)), expected);
    });
  }

  test('EACCES names the fix: write access, UMask=0002 on the Kea units, group _kea, the docs', () => {
    const hint = SOCKET_PERMISSION_HINTS.EACCES!;
    for (const part of ['permission denied on the control socket', 'write access', 'UMask=0002', 'group _kea', 'docs/deployment.md']) {
      assert.ok(hint.includes(part), `${part} missing from: ${hint}`);
    }
  });

  test('the hints name no path: only the caller prefix does', () => {
    for (const hint of Object.values(SOCKET_PERMISSION_HINTS)) assert.doesNotMatch(hint!, /\/(run|var|tmp|etc)\//);
  });

  test('other errnos keep their plain text', async () => {
    refuse('ECONNREFUSED');
    await assert.rejects(kea().request({ command: 'status-get' }, 1000), (err: unknown) => {
      assert.ok(err instanceof KeaError);
      assert.equal(err.code, 'connect');
      assert.equal(err.message, `status-get on ${PATH}: ECONNREFUSED`);
      return true;
    });
    assert.equal(unixConnectError(new Error('no code'), 'w').message, 'w: no code');
    assert.equal(unixConnectError(undefined, 'w').message, 'w: cannot connect');
  });
});
