// Just enough of Dockerfile and .dockerignore syntax to check the repository's own files
// without a Docker engine: instructions with line continuations, stages, exec (JSON) form,
// and .dockerignore patterns with `*`, `**`, `?` and `!` exceptions.

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, RUN... */
  cmd: string;
  /** Everything after the keyword, continuation lines joined. */
  rest: string;
  /** The exec form's list when `rest` is a JSON array. */
  json?: string[];
  /** --flag=value options (COPY --from, HEALTHCHECK --interval...). */
  flags: Record<string, string>;
  /** The words after the flags (shell form), e.g. COPY's sources and destination. */
  words: string[];
  line: number;
}

export interface Stage { image: string; name?: string; instructions: Instruction[] }

/** The ARGs declared before the first FROM, with their defaults: only these reach FROM lines. */
export function globalArgs(instructions: Instruction[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of instructions) {
    if (ins.cmd === 'FROM') break;
    if (ins.cmd !== 'ARG') continue;
    const [name, value] = (ins.words[0] ?? '').split(/=(.*)/s);
    if (name) out[name] = value ?? '';
  }
  return out;
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i]!)) line += lines[i]!;
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const cmd = m[1]!.toUpperCase();
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    if (cmd !== 'RUN' && cmd !== 'CMD' && cmd !== 'ENTRYPOINT') {
      for (let f = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest); f; f = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest)) {
        flags[f[1]!] = f[2] ?? 'true';
        rest = rest.slice(f[0].length);
      }
    }
    const instruction: Instruction = { cmd, rest, flags, words: [], line: start + 1 };
    // HEALTHCHECK's command is CMD plus its own arguments.
    const execPart = cmd === 'HEALTHCHECK' ? rest.replace(/^CMD\s+/i, '') : rest;
    if (execPart.startsWith('[')) {
      try {
        const value = JSON.parse(execPart) as unknown;
        if (Array.isArray(value) && value.every((v) => typeof v === 'string')) instruction.json = value;
      } catch {
        // shell form that happens to start with [
      }
    }
    if (!instruction.json) instruction.words = rest.split(/\s+/).filter(Boolean);
    out.push(instruction);
  }
  return out;
}

export function stages(instructions: Instruction[]): Stage[] {
  const out: Stage[] = [];
  const args = globalArgs(instructions);
  // $NAME and ${NAME} in FROM, as Docker expands them; an undeclared one is an error here.
  const expand = (s: string, line: number): string =>
    s.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, a?: string, b?: string) => {
      const value = args[(a ?? b)!];
      if (value === undefined) throw new Error(`line ${line}: FROM uses ${a ?? b}, which no ARG before the first FROM declares`);
      return value;
    });
  for (const ins of instructions) {
    if (ins.cmd === 'FROM') {
      const [image, as, name] = ins.words;
      out.push({ image: expand(image ?? '', ins.line), ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else if (out.length > 0) {
      out[out.length - 1]!.instructions.push(ins);
    } else if (ins.cmd !== 'ARG') {
      throw new Error(`line ${ins.line}: ${ins.cmd} before the first FROM`);
    }
  }
  return out;
}

interface Pattern { re: RegExp; exception: boolean; text: string }

/** .dockerignore patterns (Docker's rules: Go filepath.Match plus `**`, last match wins, a
 * pattern that matches a directory covers everything below it). */
export function parseDockerignore(text: string): Pattern[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exception = l.startsWith('!');
      const clean = (exception ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.\//, '');
      let src = '';
      for (let i = 0; i < clean.length; i++) {
        const c = clean[i]!;
        if (c === '*' && clean[i + 1] === '*') {
          // `**/` matches zero or more directories, a bare `**` anything.
          if (clean[i + 2] === '/') {
            src += '(?:.*/)?';
            i += 2;
          } else {
            src += '.*';
            i += 1;
          }
        } else if (c === '*') src += '[^/]*';
        else if (c === '?') src += '[^/]';
        else src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { re: new RegExp(`^${src}$`), exception, text: l };
    });
}

/** True when `path` (relative to the context, `/`-separated) is left out of the build context. */
export function isIgnored(path: string, patterns: Pattern[]): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) {
    if (prefixes.some((prefix) => p.re.test(prefix))) ignored = !p.exception;
  }
  return ignored;
}

/** Whether a directory must be walked: it is kept, or an exception may re-include something in it. */
export function mayHoldKeptFiles(dir: string, patterns: Pattern[]): boolean {
  return !isIgnored(dir, patterns) || patterns.some((p) => p.exception && p.text.slice(1).replace(/^\/+/, '').startsWith(`${dir}/`));
}
