// helm/kea-telemetry/README.md, as helm-docs would write it: README.md.gotmpl with the chart's
// header, badges, sources, maintainers and requirements from Chart.yaml, and the values table
// (Key | Type | Default | Description) from the `# --` comments of values.yaml. helm-docs is a Go
// program no registry here ships; this covers the part of its format the chart uses: `# -- text`
// (continued by the comment lines after it) directly above a key, `# -- (type) text`, and
// `# @default -- text`. A key whose value is a non-empty mapping and that has no description of
// its own is not a row: its keys are. `npm run helm:sync` writes the file; a test compares.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Node, type YAMLMap } from 'yaml';
import { CHART_DIR } from './paths.js';

export const README_FILE = join(CHART_DIR, 'README.md');
const TEMPLATE_FILE = join(CHART_DIR, 'README.md.gotmpl');

export interface ValueDoc {
  key: string;
  type: string;
  /** The Default cell's text (Markdown). */
  default: string;
  description: string;
}

/** One row per documented key, in file order; `undocumented`: the keys that need a `# --`. */
export function valueDocs(text: string): { rows: ValueDoc[]; undocumented: string[] } {
  const lines = text.split('\n');
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length > 0) throw new Error(`values.yaml: ${doc.errors[0]?.message}`);
  const rows: ValueDoc[] = [];
  const undocumented: string[] = [];
  const walk = (map: YAMLMap, prefix: string): void => {
    for (const pair of map.items) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || !keyNode.range) throw new Error(`values.yaml: a key that is not a plain scalar under ${prefix || 'the top'}`);
      const key = `${prefix}${String(keyNode.value)}`;
      const comment = commentAbove(lines, counter.linePos(keyNode.range[0]).line - 1);
      const value = pair.value as Node | null;
      const nested = isMap(value) && value.items.length > 0;
      if (comment) rows.push(row(key, value, comment));
      else if (!nested) undocumented.push(key);
      if (nested && !comment) walk(value, `${key}.`);
    }
  };
  if (!isMap(doc.contents)) throw new Error('values.yaml is not a mapping');
  walk(doc.contents, '');
  return { rows, undocumented };
}

interface Comment {
  text: string;
  type?: string;
  default?: string;
}

/** The `# --` description in the comment block ending just above line `index` (0-based). */
function commentAbove(lines: string[], index: number): Comment | undefined {
  const block: string[] = [];
  for (let i = index - 1; i >= 0 && /^\s*#/.test(lines[i]!); i--) block.unshift(lines[i]!.replace(/^\s*#\s?/, ''));
  const start = block.map((l) => l.startsWith('-- ')).lastIndexOf(true);
  if (start < 0) return undefined;
  const out: Comment = { text: '' };
  const text: string[] = [];
  for (const l of block.slice(start)) {
    const dflt = /^@default -- (.*)$/.exec(l);
    if (dflt) out.default = dflt[1]!;
    else text.push(l);
  }
  let first = text[0]!.slice(3);
  const typed = /^\(([a-z]+)\)\s*(.*)$/.exec(first);
  if (typed) {
    out.type = typed[1]!;
    first = typed[2]!;
  }
  out.text = [first, ...text.slice(1)].map((l) => l.trim()).join(' ').trim();
  return out;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : 'string';
}

// `<port>` would be an HTML tag to a Markdown renderer; `|` would end the cell.
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function row(key: string, node: Node | null, c: Comment): ValueDoc {
  const value: unknown = node === null ? null : isMap(node) || isSeq(node) || isScalar(node) ? node.toJSON() : null;
  return {
    key,
    type: c.type ?? typeOf(value),
    default: c.default ?? `\`${cell(JSON.stringify(value))}\``,
    description: cell(c.text),
  };
}

export function valuesTable(rows: readonly ValueDoc[]): string {
  return ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|', ...rows.map((r) => `| ${r.key} | ${r.type} | ${r.default} | ${r.description} |`)].join('\n');
}

interface Chart {
  name: string;
  version: string;
  appVersion?: string;
  type?: string;
  description?: string;
  home?: string;
  kubeVersion?: string;
  sources?: string[];
  maintainers?: { name: string; email?: string; url?: string }[];
}

/** The helm-docs templates the chart's README.md.gotmpl uses. */
function templates(chart: Chart, rows: readonly ValueDoc[]): Record<string, string> {
  const badge = (label: string, value: string, color: string): string =>
    `![${label}: ${value}](https://img.shields.io/badge/${label}-${value.replace(/-/g, '--')}-${color}?style=flat-square)`;
  return {
    'chart.header': `# ${chart.name}`,
    'chart.description': chart.description ?? '',
    'chart.versionBadge': badge('Version', chart.version, 'informational'),
    'chart.typeBadge': chart.type ? badge('Type', chart.type, 'informational') : '',
    'chart.appVersionBadge': chart.appVersion ? badge('AppVersion', chart.appVersion, 'informational') : '',
    'chart.homepageLine': chart.home ? `**Homepage:** <${chart.home}>` : '',
    'chart.maintainersSection': [
      '## Maintainers',
      '',
      '| Name | Email | Url |',
      '| ---- | ------ | --- |',
      ...(chart.maintainers ?? []).map((m) => `| ${m.name} | ${m.email ? `<${m.email}>` : ''} | ${m.url ? `<${m.url}>` : ''} |`),
    ].join('\n'),
    'chart.sourcesSection': ['## Source Code', '', ...(chart.sources ?? []).map((s) => `* <${s}>`)].join('\n'),
    'chart.requirementsSection': chart.kubeVersion ? `## Requirements\n\nKubernetes: \`${chart.kubeVersion}\`` : '',
    'chart.valuesSection': `## Values\n\n${valuesTable(rows)}`,
  };
}

/** README.md as it must be committed. */
export function chartReadme(): string {
  const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Chart;
  const { rows } = valueDocs(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
  const known = templates(chart, rows);
  const template = readFileSync(TEMPLATE_FILE, 'utf8');
  const call = /\{\{\s*template\s+"([^"]+)"\s+\.\s*\}\}/g;
  if (template.replace(call, '').includes('{{')) throw new Error('README.md.gotmpl: a {{ ... }} other than {{ template "name" . }}');
  const text = template.replace(call, (_, name: string) => {
    const t = known[name];
    if (t === undefined) throw new Error(`README.md.gotmpl: template "${name}" is not one chart-readme.ts knows`);
    return t;
  });
  return text.endsWith('\n') ? text : `${text}\n`;
}
