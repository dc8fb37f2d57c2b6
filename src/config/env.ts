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

/** A key path as a map key (the same for the walk's paths and the schema's issue paths). */
const keyOf = (path: readonly (string | number)[]): string => JSON.stringify(path);

/** Copy of `value` with every string value (never a key) expanded; problems are collected, not
 * thrown. `whole`: the strings that were one `${NAME}` and nothing else, by key path, with the
 * variable's name; only those may be read as a boolean or a number (coerceEnvScalars). */
export function substituteEnv(value: unknown, env: Env): { value: unknown; issues: PathIssue[]; whole: Map<string, string> } {
  const issues: PathIssue[] = [];
  const whole = new Map<string, string>();
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const r = expandString(v, env);
      if ('error' in r) {
        issues.push({ path, message: r.error });
        return v;
      }
      const name = WHOLE_RE.exec(v)?.[1];
      if (name !== undefined) whole.set(keyOf(path), name);
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
  return { value: walk(value, []), issues, whole };
}

const WHOLE_RE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** What a schema said it expected and found: the part of a zod issue read here. */
export interface TypeIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly expected?: string;
}

/** The forms a variable's text may take where a boolean or a number is expected: exactly what
 * the file itself would hold written literally (JSON's grammar: no spaces, no sign but a leading
 * minus, no hex, no leading zeros); anything else is an error, never a guess. */
const READERS: Readonly<Record<string, { read: (s: string) => unknown; words: string }>> = {
  boolean: { read: (s) => (s === 'true' ? true : s === 'false' ? false : undefined), words: 'true or false' },
  number: { read: (s) => (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(s) ? Number(s) : undefined), words: 'a number' },
};

/**
 * Where the schema expected a boolean or a number and found a string that came whole from one
 * `${NAME}`, reads that string as one, in place in `value` (substituteEnv's copy): `enabled:
 * ${OTEL_ON}`, `maxInFlight: ${N}`. The schema is the one place that tells the type: its own
 * invalid_type issues say where and what (an integer field says "number"; the schema then
 * judges the number). Returns how many were read, the problems (naming the key and the variable,
 * never its value) and the issues left to describe as usual; parse again when `read` > 0.
 */
export function coerceEnvScalars<I extends TypeIssue>(
  value: unknown,
  issues: readonly I[],
  whole: ReadonlyMap<string, string>,
): { read: number; problems: PathIssue[]; rest: I[] } {
  let read = 0;
  const problems: PathIssue[] = [];
  const rest: I[] = [];
  for (const issue of issues) {
    const reader =
      issue.code === 'invalid_type' && issue.expected !== undefined && Object.hasOwn(READERS, issue.expected) ? READERS[issue.expected] : undefined;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const name = whole.get(keyOf(path));
    const parent = reader && name !== undefined ? parentAt(value, path) : undefined;
    const key = path[path.length - 1];
    if (!reader || parent === undefined || key === undefined || typeof parent[key] !== 'string') {
      rest.push(issue);
      continue;
    }
    const v = reader.read(parent[key]);
    if (v === undefined) problems.push({ path, message: `expected ${reader.words}; environment variable ${name} holds something else` });
    else {
      parent[key] = v;
      read++;
    }
  }
  return { read, problems, rest };
}

/** The mapping or list holding the node at `path` inside a plain JSON-like value. */
function parentAt(root: unknown, path: readonly (string | number)[]): Record<string | number, unknown> | undefined {
  let node = root;
  for (const seg of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}
