import { readFile } from 'node:fs/promises';
import path from 'node:path';
import JSON5 from 'json5';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { stripHashComments } from './comments.js';
import { coerceEnvScalars, substituteEnv, type Env, type PathIssue } from './env.js';
import { ConfigError, formatPath, type ConfigIssue, type KeyPath } from './error.js';
import { checkReferencedFiles, osReason, referencedFiles } from './files.js';
import { reservedLabelIssues } from './reserved-labels.js';
import { describeIssues } from './issues.js';
import { configFileSchema, toConfig, type ConfigFile } from './schema.js';
import { json5SyntaxMessage, yamlLoadMessage, yamlSyntaxMessage } from './syntax.js';
import type { Config } from './types.js';
import { HASH_KEY_MIN_LENGTH } from '../kea/published-hash.js';

export { ConfigError, type ConfigIssue } from './error.js';
export type { Env } from './env.js';
export { parseListen } from './listen.js';
export { parseDuration } from './duration.js';

type Format = 'yaml' | 'json';

/** What the loader checks beyond the file format. */
export interface LoadOptions {
  /** Label names the exporter sets itself, refused as target labels. The renderers know them
   * (src/render/prometheus/reserved-labels.ts): the composition root passes them in. */
  reservedLabels?: ReadonlySet<string>;
}

/** A parsed file: its plain value and, when the format allows, the line of a key path. */
interface Parsed {
  value: unknown;
  lineOf: (keyPath: KeyPath) => number | undefined;
}

const FORMATS: Record<string, Format> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json', '.json5': 'json' };

/** Reads, parses, validates and freezes a config file (.yaml, .yml, .json, .json5), and checks
 * that every file it names (TLS material) can be read, so that a reload never fails half-way
 * (`files: false` skips that, like promtool's --syntax-only: CI away from the mounted files). */
export async function loadConfigFile(file: string, env: Env = process.env, options: LoadOptions & { files?: boolean } = {}): Promise<Config> {
  const format = formatOf(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw fileError(file, `cannot read file: ${osReason(err)}`);
  }
  const { config, toIssues } = parseAs(format, text, file, env, options);
  if (options.files === false) return config;
  const problems = await checkReferencedFiles(referencedFiles(config));
  if (problems.length > 0) throw new ConfigError(file, toIssues(problems));
  return config;
}

/** Same as loadConfigFile with the text already in hand, and no I/O: the files the config names
 * are not checked. `file` picks the format and the base directory. */
export function parseConfigText(text: string, file: string, env: Env = process.env, options: LoadOptions = {}): Config {
  return parseAs(formatOf(file), text, file, env, options).config;
}

// Only listen/poll defaults are left out on purpose: they come from the schema, like for any file.
const DEFAULT_CONFIG_YAML = `
targets:
  - name: kea-dhcp4
    socket: /run/kea/kea4-ctrl-socket
    daemon: dhcp4
  - name: kea-dhcp6
    socket: /run/kea/kea6-ctrl-socket
    daemon: dhcp6
  - name: kea-dhcp-ddns
    socket: /run/kea/kea-ddns-ctrl-socket
    daemon: d2
  - name: kea-ctrl-agent
    url: http://127.0.0.1:8000/
    services: []   # the agent alone: the daemons are already polled over their sockets
`;

/** The configuration used when no --config is given. */
export function defaultConfig(): Config {
  return parseAs('yaml', DEFAULT_CONFIG_YAML, '(built-in default config)', {}, {}).config;
}

function formatOf(file: string): Format {
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (format === undefined) {
    throw fileError(file, `unsupported file extension "${path.extname(file)}" (use .yaml, .yml, .json or .json5)`);
  }
  return format;
}

/** Every message below names the key and line, says what was expected and the type found, and
 * never quotes a value of the file: the same text goes to stderr, the log and /-/reload. */
function parseAs(
  format: Format,
  text: string,
  file: string,
  env: Env,
  options: LoadOptions,
): { config: Config; toIssues: (list: readonly PathIssue[]) => ConfigIssue[] } {
  const source = text.replace(/^\uFEFF/, '');
  const parsed = format === 'yaml' ? parseYaml(source, file) : parseJson(source, file);
  if (parsed.value === null || parsed.value === undefined) throw fileError(file, 'file is empty');
  const toIssues = (list: readonly PathIssue[]): ConfigIssue[] =>
    list.map((i) => withLine({ path: formatPath(i.path), message: i.message }, parsed.lineOf(i.path)));

  // The walks below (environment, schema) recurse: a hostile depth would overflow the stack.
  const deep = tooDeep(parsed.value, MAX_DEPTH);
  if (deep) throw new ConfigError(file, toIssues([{ path: deep, message: `nested more than ${MAX_DEPTH} levels deep` }]));
  const expanded = substituteEnv(parsed.value, env);
  if (expanded.issues.length > 0) throw new ConfigError(file, toIssues(expanded.issues));
  const reserved = options.reservedLabels ? reservedLabelIssues(expanded.value, options.reservedLabels) : [];
  const data = validate(expanded, (list) => new ConfigError(file, toIssues([...list, ...reserved])));
  if (reserved.length > 0) throw new ConfigError(file, toIssues(reserved));
  const config = toConfig(data, path.dirname(path.resolve(file)));
  const index = data.shard.index ?? (config.shard.count > 1 ? shardIndexFromEnv(env) : 0);
  if (index === undefined && config.shard.count > 1) {
    throw new ConfigError(
      file,
      toIssues([{ path: ['shard', 'index'], message: 'not set, and neither SHARD_INDEX nor a StatefulSet HOSTNAME (name-<ordinal>) gives it' }]),
    );
  }
  if (index !== undefined && index >= config.shard.count) {
    throw new ConfigError(
      file,
      toIssues([{ path: ['shard', 'index'], message: 'from the environment (SHARD_INDEX or HOSTNAME) must be less than shard.count' }]),
    );
  }
  const hashKey = config.hashKey ?? (env.KEA_TELEMETRY_HASH_KEY?.trim() || undefined);
  if (hashKey !== undefined && hashKey.length < HASH_KEY_MIN_LENGTH) {
    throw new ConfigError(file, toIssues([{ path: ['hashKey'], message: `KEA_TELEMETRY_HASH_KEY must be at least ${HASH_KEY_MIN_LENGTH} characters` }]));
  }
  if (hashKey === undefined && config.shard.count > 1) {
    // A random key per replica would make each shard publish other hashes for the same config.
    throw new ConfigError(
      file,
      toIssues([
        {
          path: ['hashKey'],
          message: 'required with shard.count > 1 (or KEA_TELEMETRY_HASH_KEY), the same on every replica, so shards publish comparable config hashes',
        },
      ]),
    );
  }
  return { config: deepFreeze({ ...config, shard: { index: index ?? 0, count: config.shard.count }, ...(hashKey !== undefined && { hashKey }) }), toIssues };
}

/** The schema's output; where it found a string from one `${NAME}` in the place of a boolean
 * or a number, that string is read as one and the value checked again (env.ts), until nothing
 * more is read: each round turns at least one string into a boolean or number, so it ends, and
 * the last round's issues (a variable that is no boolean, a number out of range) are all told. */
function validate(expanded: { value: unknown; whole: ReadonlyMap<string, string> }, fail: (issues: readonly PathIssue[]) => ConfigError): ConfigFile {
  for (;;) {
    const result = configFileSchema.safeParse(expanded.value, { reportInput: true });
    if (result.success) return result.data;
    const env = coerceEnvScalars(expanded.value, result.error.issues, expanded.whole);
    if (env.read === 0) throw fail([...env.problems, ...describeIssues(env.rest)]);
  }
}

/** Far deeper than the format goes (a role's command list is 4 levels down). */
const MAX_DEPTH = 32;

/** The path of a list or mapping nested deeper than `max`, found without recursion. */
function tooDeep(root: unknown, max: number): KeyPath | undefined {
  const stack: [unknown, KeyPath][] = [[root, []]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (at.length >= max) return at;
    for (const [k, item] of Object.entries(v)) stack.push([item, [...at, Array.isArray(v) ? Number(k) : k]]);
  }
  return undefined;
}

/** A StatefulSet replica's ordinal: SHARD_INDEX (the chart sets it from the pod-index label),
 * else the -<n> that ends the pod's HOSTNAME. */
function shardIndexFromEnv(env: Env): number | undefined {
  // Empty counts as unset: the pod-index label is missing before Kubernetes 1.28.
  const raw = env.SHARD_INDEX?.trim() || /-(\d+)$/.exec(env.HOSTNAME ?? '')?.[1];
  return raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
}

function parseYaml(text: string, file: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => withLine({ path: '', message: yamlSyntaxMessage(e.code, e.linePos?.[0].col) }, e.linePos?.[0].line)),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    throw fileError(file, yamlLoadMessage(err));
  }
  return { value, lineOf: (keyPath) => yamlLine(doc.contents, keyPath, lineCounter) };
}

/**
 * Line of the node at keyPath; for a map key, the line of the key itself (so unknown keys and
 * nested blocks point at their name). A missing key falls back to the nearest existing parent.
 */
function yamlLine(root: unknown, keyPath: KeyPath, lineCounter: LineCounter): number | undefined {
  let node = root;
  let offset: number | undefined; // none for the document itself: "line 1" would mislead
  for (const seg of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (pair === undefined) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (!isNode(item)) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function parseJson(text: string, file: string): Parsed {
  try {
    return { value: JSON5.parse(stripHashComments(text)), lineOf: () => undefined };
  } catch (err) {
    // json5 reports positions as lineNumber/columnNumber on its SyntaxError.
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    throw fileError(file, json5SyntaxMessage(String(e?.message), e?.columnNumber), e?.lineNumber);
  }
}

function withLine(issue: ConfigIssue, line: number | undefined): ConfigIssue {
  return line === undefined ? issue : { ...issue, line };
}

// No `cause`: the parsers' own errors quote the text, and a logger would print the cause.
function fileError(file: string, message: string, line?: number): ConfigError {
  return new ConfigError(file, [withLine({ path: '', message }, line)]);
}

/** Freezes a plain value and everything in it (a config is never changed once loaded). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
