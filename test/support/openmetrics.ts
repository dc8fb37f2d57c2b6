/** What OpenMetrics 1.0 asks of a body that promtool (a text-format parser) does not check: a
 * family's HELP/TYPE name without the counter's _total, its samples with it, each family in one
 * block, HELP an escaped-string (no bare `"`), label values escaped, no blank line, `# EOF` last.
 * Returns the problems found (none: []). */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const ESCAPED = '(?:[^"\\\\\\n]|\\\\["n\\\\])*';
const HELP = new RegExp(`^# HELP (${NAME}) ${ESCAPED}$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|info|stateset|gaugehistogram|unknown)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="${ESCAPED}",?)*)\\})? (\\S+)$`);
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf)|NaN|Nan)$/;
const SUFFIXES: Record<string, readonly string[]> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['', '_sum', '_count', '_created'],
  gauge: [''],
};

export function openMetricsProblems(body: string): string[] {
  const problems: string[] = [];
  if (!body.endsWith('\n# EOF\n')) problems.push('does not end with # EOF');
  const lines = body.slice(0, body.lastIndexOf('# EOF')).split('\n').slice(0, -1);
  const seen = new Set<string>();
  let family: { name: string; type: string } | undefined;
  lines.forEach((line, i) => {
    const at = `line ${i + 1}: ${line.slice(0, 80)}`;
    if (line === '') return void problems.push(`${at}: blank line`);
    const help = HELP.exec(line);
    if (help) {
      if (seen.has(help[1]!)) problems.push(`${at}: family ${help[1]} again`);
      seen.add(help[1]!);
      family = { name: help[1]!, type: 'unknown' };
      return;
    }
    if (line.startsWith('# HELP ')) return void problems.push(`${at}: HELP not an escaped-string`);
    const type = TYPE.exec(line);
    if (type) {
      if (family?.name !== type[1]) problems.push(`${at}: TYPE of another family than its HELP`);
      if (type[2] === 'counter' && type[1]!.endsWith('_total')) problems.push(`${at}: counter family named with _total`);
      family = { name: type[1]!, type: type[2]! };
      return;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) return void problems.push(`${at}: not a sample`);
    if (!VALUE.test(sample[3]!)) problems.push(`${at}: value ${sample[3]}`);
    if (!family) return void problems.push(`${at}: sample outside a family`);
    const suffix = sample[1]!.slice(family.name.length);
    if (!sample[1]!.startsWith(family.name) || !(SUFFIXES[family.type] ?? ['']).includes(suffix)) {
      problems.push(`${at}: sample name ${sample[1]} in family ${family.name} (${family.type})`);
    }
  });
  return problems;
}
