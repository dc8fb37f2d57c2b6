/**
 * Removes Kea-style `#` line comments from JSON/JSON5 text, which json5 does not accept.
 * A small scanner tracks strings and `//` / `/* *\/` comments so that a `#` inside them
 * (or a quote inside a comment) is left alone. Newlines are kept, so json5's line numbers stay right.
 */
export function stripHashComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  const copyUntil = (end: number): void => {
    out += text.slice(i, end);
    i = end;
  };
  while (i < n) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      copyUntil(Math.min(j + 1, n));
    } else if (c === '/' && text[i + 1] === '/') {
      copyUntil(lineEnd(text, i));
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      copyUntil(close < 0 ? n : close + 2);
    } else if (c === '#') {
      i = lineEnd(text, i); // drop the comment, keep the newline
    } else {
      copyUntil(i + 1);
    }
  }
  return out;
}

function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !'\n\r\u2028\u2029'.includes(text[i]!)) i += 1;
  return i;
}
