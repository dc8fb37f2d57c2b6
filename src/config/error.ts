/** One problem in a config file: where (key path and, when known, line) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
}

export type KeyPath = readonly (string | number)[];

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** ['targets', 1, 'auth', 'password'] -> "targets[1].auth.password"; odd keys are quoted. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT_RE.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${file}: ${where}${issue.message}${line}`;
}

/** All problems found in one config file; `path` and `line` are those of the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string;
  readonly path: string;
  readonly line?: number;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const list = issues.length > 0 ? issues : [{ path: '', message: 'invalid configuration' }];
    super(list.map((i) => formatIssue(file, i)).join('\n'), options);
    this.file = file;
    this.issues = list;
    const first = list[0]!;
    this.path = first.path;
    if (first.line !== undefined) this.line = first.line;
  }
}
