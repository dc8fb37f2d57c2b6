import { KeaError } from '../errors.js';
import type { KeaAnswer } from './types.js';

/** version-get: `text` is the short version ("2.2.0"); `extended` starts with it on every
 * release (2.6 adds " (srcid)", 3.0 " (3.0.0 (tarball))"), so it is the fallback. Pure. */
export function parseVersion(a: KeaAnswer): string {
  if (a.result === 0) {
    const fromText = a.text?.trim().split(/\s+/)[0];
    if (fromText && /^\d+\.\d+/.test(fromText)) return fromText;
    const args = a.arguments as { extended?: unknown } | undefined;
    const first = typeof args?.extended === 'string' ? args.extended.trim().split(/\s+/)[0] : undefined;
    if (first && /^\d+\.\d+/.test(first)) return first;
  }
  throw new KeaError('bad_answer', `version-get: no version in ${JSON.stringify(a).slice(0, 120)}`);
}
