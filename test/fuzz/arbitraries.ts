/** Generators for the property-based fuzz tests: real Kea captures (2.2.0, 2.6.3, 3.0.4) and
 * mutations of them, arbitrary JSON deep and wide, deep nesting, random bytes and truncations. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { keaStringify } from '../support/kea-json.js';

export const COMMANDS = ['status-get', 'statistic-get-all', 'config-get', 'version-get', 'config-hash-get'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Capture {
  file: string;
  /** The command it answers; undefined for error answers (unknown-command, garbage-request). */
  command: Command | undefined;
  /** Through the Control Agent or a Kea 3 HTTP socket: a JSON list. */
  list: boolean;
  text: string;
  value: unknown;
}

const FIXTURES = new URL('../fixtures/kea/', import.meta.url);
const DIRS = ['2.2.0', 'captures/2.6.3', 'captures/3.0.4', 'stats'];

function load(): Capture[] {
  const out: Capture[] = [];
  for (const dir of DIRS) {
    const path = fileURLToPath(new URL(`${dir}/`, FIXTURES));
    for (const f of readdirSync(path)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const text = readFileSync(`${path}${f}`, 'utf8');
      const value: unknown = JSON.parse(text);
      const command = COMMANDS.find((c) => f.includes(`${c}.`) || f.endsWith(`${c}.json`));
      out.push({ file: `${dir}/${f}`, command, list: Array.isArray(value), text, value });
    }
  }
  return out;
}

export const CAPTURES: readonly Capture[] = load();

/** One element of every capture, whatever its framing: the bare answer map. */
export const bare = (c: Capture): unknown => (c.list && Array.isArray(c.value) ? c.value[0] : c.value);

/** Every path to a node of a JSON value (at most `max`, breadth first: big captures stay cheap). */
function paths(v: unknown, max = 600): (string | number)[][] {
  const out: (string | number)[][] = [[]];
  const queue: [unknown, (string | number)[]][] = [[v, []]];
  while (queue.length > 0 && out.length < max) {
    const [node, path] = queue.shift()!;
    if (node === null || typeof node !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((x, i) => [i, x]) : Object.entries(node);
    for (const [k, child] of entries) {
      const p = [...path, k];
      out.push(p);
      queue.push([child, p]);
    }
  }
  return out;
}

const EXTREMES = [-1, -5, 0, -0, 1.5, 2 ** 53 + 2, -(2 ** 63), 2 ** 128, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER];

type Kind = 'replace' | 'delete' | 'widen' | 'nest' | 'extreme' | 'longString' | 'extendString' | 'retype' | 'emptyContainer';
const KINDS: Kind[] = ['replace', 'delete', 'widen', 'nest', 'extreme', 'longString', 'extendString', 'retype', 'emptyContainer'];

export interface Mutation {
  at: number;
  kind: Kind;
  json: unknown;
  n: number;
  str: string;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom(...KINDS),
  json: fc.jsonValue({ maxDepth: 3 }),
  n: fc.nat({ max: 600 }),
  str: fc.string({ maxLength: 40, unit: 'binary' }),
});

function replacement(m: Mutation, old: unknown): unknown {
  switch (m.kind) {
    case 'replace':
      return m.json;
    case 'widen':
      return Array.isArray(old)
        ? Array.from({ length: m.n }, (_, i): unknown => (old as unknown[])[i % Math.max(1, old.length)] ?? m.json)
        : Array.from({ length: m.n % 50 }, () => old);
    case 'nest': {
      let v: unknown = old;
      for (let i = 0; i < m.n; i++) v = i % 2 ? [v] : { k: v };
      return v;
    }
    case 'extreme':
      return EXTREMES[m.n % EXTREMES.length];
    // Past MAX_LABEL_CHARS (256) about half the time.
    case 'longString':
      return (m.str || 'x').repeat(1 + (m.n % 20)).padEnd(m.n % 2 ? 300 : 0, 'z');
    // Kea's own string (a version, a state, a name) with text appended: past 256 characters when n is odd.
    case 'extendString':
      return typeof old === 'string' ? old + (m.str || 'x').repeat(m.n % 2 ? 1 + Math.ceil(300 / Math.max(1, m.str.length)) : 1) : old;
    case 'retype':
      return typeof old === 'number' ? String(old) : typeof old === 'string' ? Number(old) || m.n : typeof old === 'boolean' ? Number(old) : m.str;
    case 'emptyContainer':
      return Array.isArray(old) ? {} : typeof old === 'object' && old !== null ? [] : null;
    default:
      return old;
  }
}

/** Applies mutations to a deep copy of v, each at a node chosen by `at` (modulo the node count). */
export function mutate(v: unknown, ms: readonly Mutation[]): unknown {
  let root = structuredClone(v);
  for (const m of ms) {
    const all = paths(root);
    const path = all[m.at % all.length]!;
    if (path.length === 0) {
      root = replacement(m, root);
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else parent[key] = replacement(m, parent[key]);
  }
  return root;
}

/** A real capture, mutated 0-4 times (value level). */
export function mutatedCapture(filter: (c: Capture) => boolean = () => true): fc.Arbitrary<{ capture: Capture; value: unknown }> {
  const pool = CAPTURES.filter(filter);
  return fc
    .tuple(fc.constantFrom(...pool), fc.array(mutationArb, { maxLength: 4 }))
    .map(([capture, ms]) => ({ capture, value: ms.length === 0 ? capture.value : mutate(capture.value, ms) }));
}

/** JSON text nested `n` deep, arrays and objects mixed. */
export const deepText = (n: number, mixed: boolean): string => (mixed ? '{"a":['.repeat(n >> 1) + '0' + ']}'.repeat(n >> 1) : '['.repeat(n) + ']'.repeat(n));

/** Text-level damage to a body: truncation, byte flips, insertions. */
export const textDamageArb = fc.record({
  cut: fc.option(fc.nat(), { nil: undefined }),
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
});

export function damage(text: string, d: { cut: number | undefined; flips: [number, number][] }): Buffer {
  let buf = Buffer.from(text);
  if (d.cut !== undefined && buf.length > 0) buf = buf.subarray(0, d.cut % buf.length);
  if (d.flips.length > 0 && buf.length > 0) {
    buf = Buffer.from(buf);
    for (const [at, byte] of d.flips) buf[at % buf.length] = byte;
  }
  return buf;
}

/** Serialised the way Kea writes (keaStringify) or compactly; non-JSON values (from a mutation)
 * fall back to JSON.stringify. */
export function serialise(v: unknown, kea: boolean): string {
  if (kea) {
    try {
      return keaStringify(v);
    } catch {
      // -0, NaN and friends that Kea's printer refuses
    }
  }
  return JSON.stringify(v) ?? 'null';
}

/** A body for any parser of Kea answers: mostly real or mutated captures, then arbitrary JSON
 * (deep and wide), deep nesting past the cap, random bytes and truncations. */
export function bodyArb(filter: (c: Capture) => boolean = () => true): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(mutatedCapture(filter), fc.boolean()).map(([m, kea]) => Buffer.from(serialise(m.value, kea))) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CAPTURES.filter(filter)), textDamageArb).map(([c, d]) => damage(c.text, d)) },
    { weight: 2, arbitrary: fc.jsonValue({ depthSize: 'medium', maxDepth: 12 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 200, max: 6000 }), fc.boolean()).map(([n, mixed]) => Buffer.from(deepText(n, mixed))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) },
  );
}
