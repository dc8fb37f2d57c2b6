import { matchesPattern } from '../config/pattern.js';
import { READ_COMMANDS, isReadCommand } from '../kea/commands.js';

/** What a proxy user may do: which commands, on which targets, and whether config-get answers
 * reach them with secrets in clear. Patterns: an exact name, `*` for all, or a trailing `*`
 * for a prefix (src/config/pattern.ts). For commands, a glob matches only the catalog's reads
 * (src/kea/commands.ts): `lease4-*` grants lease4-get-all but never lease4-wipe, lease4-del or
 * lease4-add, nor a name that is not in the catalog; a mutating or unknown command is granted
 * only by its exact name. */
export interface Role {
  commands: readonly string[];
  targets: readonly string[];
  unredacted: boolean;
  /** Every command, mutating and unknown ones too: the built-in admin only (a configured role
   * cannot set it). */
  everything?: boolean;
}

/** Commands that only read, named as Kea's API reference names them: the catalog's reads.
 * Deliberately names, not globs: `statistic-*` would take in statistic-reset and
 * statistic-remove, and `lease4-get*` would take in any future lease4-get-and-change. Anything
 * absent is refused to the read-only role, including reads outside the catalog (e.g.
 * lease4-get-by-state, reservation-get): an administrator can grant those by name. */
export const READ_ONLY_COMMANDS: readonly string[] = READ_COMMANDS;

export const BUILT_IN_ROLES: Readonly<Record<string, Role>> = Object.freeze({
  'read-only': Object.freeze({ commands: READ_ONLY_COMMANDS, targets: Object.freeze(['*']), unredacted: false }),
  admin: Object.freeze({ commands: Object.freeze(['*']), targets: Object.freeze(['*']), unredacted: true, everything: true }),
});

/** true when one of the role's command patterns grants `command`: its exact name always; a
 * glob only for the catalog's reads. */
export function grantsCommand(role: Role, command: string): boolean {
  if (role.everything === true) return true;
  return role.commands.some((p) => p === command || (p.endsWith('*') && isReadCommand(command) && matchesPattern(p, command)));
}

/** true when the role may run `command` on the target named `target`. */
export function allows(role: Role, target: string, command: string): boolean {
  return role.targets.some((p) => matchesPattern(p, target)) && grantsCommand(role, command);
}
