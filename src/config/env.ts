import type { KeyPath } from './error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A problem at a key path; the caller turns paths into text and line numbers. */
export interface PathIssue {
  path: KeyPath;
  message: string;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands `${NAME}` in one string; `$${` yields a literal `${`. Returns the problem instead of
 * throwing; it names the variable (an identifier, needed to fix it) but never quotes the string. */
export function expandString(s: string, env: Env): { value: string } | { error: string } {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      out += '${';
      i += 3;
    } else if (s.startsWith('${', i)) {
      const close = s.indexOf('}', i + 2);
      const name = close < 0 ? '' : s.slice(i + 2, close);
      if (!NAME_RE.test(name)) {
        return { error: 'invalid variable reference (write ${NAME}, or $${ for a literal ${)' };
      }
      const value = env[name];
      if (value === undefined) return { error: `environment variable ${name} is not set` };
      out += value;
      i = close + 1;
    } else {
      out += s[i];
      i += 1;
    }
  }
  return { value: out };
}

/** Copy of `value` with every string value (never a key) expanded; problems are collected, not thrown. */
export function substituteEnv(value: unknown, env: Env): { value: unknown; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const r = expandString(v, env);
      if ('error' in r) {
        issues.push({ path, message: r.error });
        return v;
      }
      return r.value;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        // defineProperty: a "__proto__" key must stay a plain (unknown, hence rejected) key.
        Object.defineProperty(out, k, { value: walk(item, [...path, k]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return { value: walk(value, []), issues };
}
