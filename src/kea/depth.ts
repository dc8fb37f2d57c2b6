/** Nesting depth of a value, checked without recursion, so that no input can overflow the stack
 * of the code that asks (JSON text is checked by scanJson, kea/json-scan.ts). Pure. */

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
