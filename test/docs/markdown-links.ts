/** Relative links and #anchors of Markdown files, checked the way GitHub resolves them. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** GitHub's heading anchor (github-slugger): lower case, punctuation dropped, each space a '-'. */
export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Text as GitHub renders it for a heading: code spans keep their content, links their text. */
function plain(text: string): string {
  return text
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_]{1,2}([^*_]+)[*_]{1,2}/g, '$1')
    .trim();
}

/** The prose of a file: fenced and indented code blocks blanked (line numbers kept), inline code removed. */
function prose(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (f && f[0] === fence[0] && f.length >= fence.length) fence = undefined;
      return '';
    }
    if (f) {
      fence = f;
      return '';
    }
    if (/^( {4}|\t)/.test(line)) return '';
    return line.replace(/`[^`]*`/g, '');
  });
}

/** The anchors of a file's headings; a repeated heading gets -1, -2, … as on GitHub. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fence = !fence;
    const h = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(plain(h[1]!));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Every inline link and image of a file whose target is not an absolute URL. */
export function relativeLinks(file: string, markdown: string): Link[] {
  const out: Link[] = [];
  prose(markdown).forEach((text, i) => {
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push({ file, line: i + 1, target });
    }
  });
  return out;
}

/** What is wrong with a link, or undefined when it points at an existing file and heading. */
export function brokenLink(link: Link, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): string | undefined {
  const [rawPath = '', anchor] = link.target.split('#', 2);
  const target = rawPath === '' ? link.file : path.resolve(path.dirname(link.file), decodeURI(rawPath));
  if (!existsSync(target)) return `no file ${rawPath}`;
  if (anchor === undefined) return undefined;
  if (!target.endsWith('.md')) return `an anchor into ${rawPath}, which is not Markdown`;
  return anchors(read(target)).has(anchor) ? undefined : `no heading #${anchor} in ${path.basename(target)}`;
}
