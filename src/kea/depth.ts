/** Nesting depth checks that never recurse, so that no input can overflow the stack of the
 * code that asks. Pure. */

/** Whether JSON text opens more than `limit` nested arrays/objects. A scan of the text, before
 * JSON.parse builds anything (a 64 MiB answer of `[` would be 32 million nested arrays); it
 * skips strings and does not validate (JSON.parse does that). ~4 ns per character. */
export function textDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // '"': skip the string, honouring backslash escapes
      for (i++; i < n; i++) {
        const k = text.charCodeAt(i);
        if (k === 92) i++;
        else if (k === 34) break;
      }
    } else if (c === 91 || c === 123) { // '[' '{'
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) { // ']' '}'
      depth--;
    }
  }
  return false;
}

/** Whether a value nests arrays/objects more than `limit` deep (a plain value is depth 0).
 * Iterative, depth first, so it stops at the first path past the limit (a cycle is one). Made
 * for trees such as JSON.parse results: a shared sub-object is walked once per reference. */
export function valueDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}
