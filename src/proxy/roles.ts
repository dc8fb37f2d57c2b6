/** What a proxy user may do: which commands, on which targets, and whether config-get answers
 * reach them with secrets in clear. Patterns: an exact name, `*` for all, or a trailing `*`
 * for a prefix (`lease4-*`, `site-a-*`); a `*` anywhere else is a literal character. */
export interface Role {
  commands: readonly string[];
  targets: readonly string[];
  unredacted: boolean;
}

/** Commands that only read, named as Kea's API reference names them (src/share/api/*.json).
 * Deliberately a list, not globs: `statistic-*` would take in statistic-reset and
 * statistic-remove, and `lease4-get*` would take in any future lease4-get-and-change. Anything
 * absent is refused to the read-only role, including reads not listed here (e.g.
 * lease4-get-by-state, reservation-get): an administrator can grant those in a role of their own. */
export const READ_ONLY_COMMANDS: readonly string[] = Object.freeze([
  // Daemon
  'status-get',
  'version-get',
  'config-hash-get',
  'list-commands',
  'build-report',
  // Redacted unless the role is unredacted (forward.ts).
  'config-get',
  // stat_cmds / daemon statistics: get only, never reset, remove or sample-*-set.
  'statistic-get',
  'statistic-get-all',
  // lease_cmds hook
  'lease4-get',
  'lease6-get',
  'lease4-get-all',
  'lease6-get-all',
  'lease4-get-page',
  'lease6-get-page',
  'lease4-get-by-hw-address',
  'lease4-get-by-client-id',
  'lease4-get-by-hostname',
  'lease6-get-by-duid',
  'lease6-get-by-hostname',
  // subnet_cmds hook
  'subnet4-list',
  'subnet6-list',
  'subnet4-get',
  'subnet6-get',
  'network4-list',
  'network6-list',
  'network4-get',
  'network6-get',
]);

export const BUILT_IN_ROLES: Readonly<Record<string, Role>> = Object.freeze({
  'read-only': Object.freeze({ commands: READ_ONLY_COMMANDS, targets: Object.freeze(['*']), unredacted: false }),
  admin: Object.freeze({ commands: Object.freeze(['*']), targets: Object.freeze(['*']), unredacted: true }),
});

/** One pattern against one name. */
export function matchesPattern(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

/** true when the role may run `command` on the target named `target`. */
export function allows(role: Role, target: string, command: string): boolean {
  return role.targets.some((p) => matchesPattern(p, target)) && role.commands.some((p) => matchesPattern(p, command));
}
