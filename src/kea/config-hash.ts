import { createHash } from 'node:crypto';
import { KeaError } from '../errors.js';
import { CONFIG_ROOT, DAEMONS, type DaemonKind } from './types.js';

/** Key-sorted compact JSON: equal configurations give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What config-get tells us: which daemon answered, and Kea's own hash when it sends one (2.4+). */
export interface ConfigGetInfo {
  daemon: DaemonKind;
  keaHash?: string;
  /** SHA-256 (uppercase hex, like Kea) of canonicalJson of the daemon's configuration. */
  computedHash: string;
}

export function parseConfigGet(args: unknown): ConfigGetInfo {
  const obj = (args ?? {}) as Record<string, unknown>;
  const daemon = DAEMONS.find((d) => CONFIG_ROOT[d] in obj);
  if (!daemon) throw new KeaError('bad_answer', 'config-get: no Dhcp4, Dhcp6, DhcpDdns or Control-agent key');
  // Hash the configuration alone, never the "hash" key that 2.4+ adds beside it.
  const computedHash = createHash('sha256').update(canonicalJson(obj[CONFIG_ROOT[daemon]])).digest('hex').toUpperCase();
  const info: ConfigGetInfo = { daemon, computedHash };
  if (typeof obj.hash === 'string' && obj.hash) info.keaHash = obj.hash;
  return info;
}

/** config-hash-get (2.4+): `{ "hash": "<hex>" }`. */
export function parseConfigHash(args: unknown): string {
  const hash = (args as { hash?: unknown } | undefined)?.hash;
  if (typeof hash !== 'string' || hash === '') throw new KeaError('bad_answer', 'config-hash-get: no hash');
  return hash;
}
