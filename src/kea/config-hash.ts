import { createHash } from 'node:crypto';
import { KeaError } from '../errors.js';
import { MAX_DEPTH, labelValue } from './limits.js';
import { configKind } from './config-kind.js';
import { CONFIG_ROOT, type DaemonKind } from './types.js';

/** Key-sorted compact JSON: equal configurations give equal text whatever their key order.
 * Recursion is bounded: past MAX_DEPTH levels it throws too_deep, never a stack overflow. */
export function canonicalJson(value: unknown): string {
  return canonical(value, 0);
}

function canonical(value: unknown, depth: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (depth >= MAX_DEPTH) throw new KeaError('too_deep', `configuration nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, depth + 1)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k], depth + 1)}`).join(',')}}`;
}

/** What config-get tells us: which daemon answered, and Kea's own hash when it sends one (2.4+). */
export interface ConfigGetInfo {
  daemon: DaemonKind;
  keaHash?: string;
  /** SHA-256 (uppercase hex, like Kea) of canonicalJson of the daemon's configuration. */
  computedHash: string;
}

export function parseConfigGet(args: unknown): ConfigGetInfo {
  const daemon = configKind(args);
  const obj = args as Record<string, unknown>;
  // Hash the configuration alone, never the "hash" key that 2.4+ adds beside it.
  const computedHash = createHash('sha256').update(canonicalJson(obj[CONFIG_ROOT[daemon]])).digest('hex').toUpperCase();
  const info: ConfigGetInfo = { daemon, computedHash };
  if (typeof obj.hash === 'string' && obj.hash) info.keaHash = labelValue(obj.hash, 'config-get hash');
  return info;
}

/** config-hash-get (2.4+): `{ "hash": "<hex>" }`. */
export function parseConfigHash(args: unknown): string {
  const hash = (args as { hash?: unknown } | undefined)?.hash;
  if (typeof hash !== 'string' || hash === '') throw new KeaError('bad_answer', 'config-hash-get: no hash');
  return labelValue(hash, 'config-hash-get');
}
