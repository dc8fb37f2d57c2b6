import { KeaError } from '../errors.js';
import { MAX_DEPTH, labelValue } from './limits.js';
import { configKind } from './config-kind.js';
import { keaConfigHash } from './printed-hash.js';
import type { DaemonKind } from './types.js';

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
}

export function parseConfigGet(args: unknown): ConfigGetInfo {
  const daemon = configKind(args);
  const obj = args as Record<string, unknown>;
  const info: ConfigGetInfo = { daemon };
  if (typeof obj.hash === 'string' && obj.hash) info.keaHash = labelValue(obj.hash, 'config-get hash');
  return info;
}

/** The hash of the configuration a config-get answer shows, raw (only its keyed form may be
 * published): the one Kea carries beside it (2.4+), else (2.2) Kea's own rule over the answer
 * text as printed, i.e. what Kea >= 2.4 would answer to config-hash-get for that text. `text`:
 * this daemon's answer (a bare map, or the element of an HTTP list), already size-capped. */
export function configGetHash(info: ConfigGetInfo, text: string): { hash: string; source: 'kea' | 'computed' } {
  return info.keaHash ? { hash: info.keaHash, source: 'kea' } : { hash: keaConfigHash(text), source: 'computed' };
}

/** config-hash-get (2.4+): `{ "hash": "<hex>" }`. */
export function parseConfigHash(args: unknown): string {
  const hash = (args as { hash?: unknown } | undefined)?.hash;
  if (typeof hash !== 'string' || hash === '') throw new KeaError('bad_answer', 'config-hash-get: no hash');
  return labelValue(hash, 'config-hash-get');
}
