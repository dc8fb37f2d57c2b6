import { KeaError } from '../errors.js';

/** What to fix when the kernel refuses a UNIX control socket, by errno. connect() needs write
 * access to the socket and search access to its directory; Kea creates its socket with its own
 * process umask, and Debian's units run Kea as _kea with umask 022 (srwxr-xr-x: nobody else may
 * connect). The texts name no path: the caller's prefix does, in the log only. */
export const SOCKET_PERMISSION_HINTS: Readonly<Partial<Record<string, string>>> = {
  EACCES:
    "permission denied on the control socket: the exporter's user needs write access to it and search access to its directory " +
    '(Kea creates the socket with its own umask; on Debian add UMask=0002 to each Kea unit with systemctl edit, restart Kea ' +
    "and put the exporter's user in group _kea; see docs/deployment.md)",
  EPERM:
    'operation not permitted on the control socket: a security policy (AppArmor, SELinux, a seccomp or systemd sandbox) refused it, ' +
    "or the exporter's user lacks write access to it (see docs/deployment.md)",
};

/** The `connect` error of a UNIX control socket: the errno and, when permission was refused,
 * what to do about it. */
export function unixConnectError(err: unknown, what: string): KeaError {
  const { code, message } = (err ?? {}) as Partial<NodeJS.ErrnoException>;
  const hint = typeof code === 'string' ? SOCKET_PERMISSION_HINTS[code] : undefined;
  const detail = hint ? `${code}: ${hint}` : (code ?? (typeof message === 'string' ? message : 'cannot connect'));
  return new KeaError('connect', `${what}: ${detail}`, { cause: err });
}
