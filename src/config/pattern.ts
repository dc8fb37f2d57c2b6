/** A name pattern of the config file (proxy.roles[].commands and .targets): an exact name, `*` for
 * all, or a trailing `*` for a prefix (`lease4-*`, `site-a-*`); a `*` anywhere else is a literal
 * character. */
export function matchesPattern(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}
