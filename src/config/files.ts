import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { formatPath, type KeyPath } from './error.js';
import type { PathIssue } from './env.js';
import type { Config } from './types.js';

/** A file the configuration names (TLS material), by the key path that names it. */
export interface FileReference {
  path: KeyPath;
  file: string;
}

/** Far above any certificate, key or CA bundle (a few KB; the system bundle ~200 KB), far below
 * what would hurt when read whole into memory at every reload. */
export const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;

/** Every file the config makes the exporter read, with the key that names it (every shard's
 * targets: replicas share one file). Sockets are not in it: Kea may create them after we start,
 * and a missing one is a daemon down, not a bad config. */
export function referencedFiles(config: Config): FileReference[] {
  const out: FileReference[] = [];
  config.targets.forEach((t, i) => {
    if (t.kind === 'socket' || !t.tls) return;
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = t.tls[key];
      if (file !== undefined) out.push({ path: ['targets', i, 'tls', key], file });
    }
  });
  for (const [name, m] of Object.entries(config.modules)) {
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = m.tls?.[key];
      if (file !== undefined) out.push({ path: ['modules', name, 'tls', key], file });
    }
  }
  // A disabled proxy builds no listener and reads none of its files.
  const tls = config.proxy.enabled ? config.proxy.tls : undefined;
  if (tls) {
    for (const key of ['cert', 'key', 'clientCa'] as const) {
      const file = tls[key];
      if (file !== undefined) out.push({ path: ['proxy', 'tls', key], file });
    }
  }
  return out;
}

/** Each referenced file that cannot be read as a regular file, as an issue at its key. The
 * message says what is wrong, never which path: the key and line say where it is written. */
export async function checkReferencedFiles(refs: readonly FileReference[]): Promise<PathIssue[]> {
  const found = await Promise.all(refs.map(async (r) => ({ path: r.path, message: await problemOf(r.file) })));
  return found.filter((i): i is PathIssue => i.message !== undefined);
}

async function problemOf(file: string): Promise<string | undefined> {
  let st: Stats;
  try {
    st = await stat(file); // follows symlinks: Kubernetes mounts Secrets as links
  } catch (err) {
    return `cannot read the file it names: ${osReason(err)}`;
  }
  if (!st.isFile()) return `names ${kindOf(st)}, not a regular file`;
  if (st.size > MAX_REFERENCED_FILE_BYTES) return 'the file it names is larger than 1 MiB (a certificate or key is a few KB)';
  try {
    // Opening is the only true test of readability (ACLs, capabilities). Non-blocking, in case
    // the file was swapped for a FIFO since the stat.
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    await handle.close();
  } catch (err) {
    return `cannot read the file it names: ${osReason(err)}`;
  }
  return undefined;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  return 'something';
}

/**
 * "ENOENT: no such file or directory, open '/x'" -> "no such file or directory (ENOENT)": the
 * system's description and code, without the path (libuv appends it after the syscall name).
 */
export function osReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string') return 'unexpected error';
  const message = typeof e.message === 'string' ? e.message : '';
  const prefix = `${e.code}: `;
  const end = e.syscall === undefined ? -1 : message.indexOf(`, ${e.syscall}`);
  if (!message.startsWith(prefix) || end < prefix.length) return `error ${e.code}`;
  return `${message.slice(prefix.length, end)} (${e.code})`;
}

/**
 * Why targets[index] of `config` could not be set up (a TLS file gone since the config was
 * loaded, or a bug), in the same words as the load-time check and without the error's own
 * message, which carries the path.
 */
export function setupFailure(config: Config, index: number, err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const ref = referencedFiles(config).find((r) => r.path[0] === 'targets' && r.path[1] === index && r.file === e?.path);
  if (ref) return `${formatPath(ref.path)}: cannot read the file it names: ${osReason(err)}`;
  const name = err instanceof Error ? err.name : typeof err;
  return `${formatPath(['targets', index])}: cannot be set up: ${typeof e?.code === 'string' ? osReason(err) : `internal error (${name})`}`;
}
