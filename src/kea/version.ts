import { KeaError } from '../errors.js';
import { labelValue } from './limits.js';
import { RESULT, type KeaAnswer } from './types.js';

/** version-get: `text` is the short version ("2.2.0"); `extended` starts with it on every
 * release (2.6 adds " (srcid)", 3.0 " (3.0.0 (tarball))"), so it is the fallback. Pure. */
export function parseVersion(a: KeaAnswer): string {
  if (a.result === RESULT.success) {
    const fromText = firstWord(a.text);
    if (fromText && /^\d+\.\d+/.test(fromText)) return labelValue(fromText, 'version-get');
    const args = a.arguments as { extended?: unknown } | undefined;
    const first = firstWord(args?.extended);
    if (first && /^\d+\.\d+/.test(first)) return labelValue(first, 'version-get');
  }
  throw new KeaError('bad_answer', `version-get: no version (result ${a.result})`);
}

/** The text up to the first whitespace, without splitting the whole (maybe huge) string. */
function firstWord(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return /^\s*(\S*)/.exec(v)?.[1];
}
