import { CATALOG } from '../kea/commands.js';

/** The `command` label value of kea_exporter_proxy_requests_total: `none` when no command was
 * read from the request, the name when it is in Kea's catalog (src/kea/commands.ts), else
 * `other` (so clients cannot mint series). */
export function commandLabel(command: string | undefined): string {
  if (command === undefined) return 'none';
  return CATALOG.has(command) ? command : 'other';
}
