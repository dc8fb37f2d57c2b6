import { KeaError } from '../errors.js';
import { CONFIG_ROOT, DAEMONS, type DaemonKind } from './types.js';
import { isObj } from './json.js';

/** Which daemon answered a config-get: only its top-level key (Dhcp4, Dhcp6, DhcpDdns,
 * Control-agent) tells for sure, on every version and transport. Reads no value. */
export function configKind(args: unknown): DaemonKind {
  const obj = isObj(args) ? args : {};
  const daemon = DAEMONS.find((d) => Object.hasOwn(obj, CONFIG_ROOT[d]));
  if (!daemon) throw new KeaError('bad_answer', 'config-get: no Dhcp4, Dhcp6, DhcpDdns or Control-agent key');
  return daemon;
}

/** The daemons a Control Agent forwards to: the names of its control-sockets (only names, never
 * socket paths), in DAEMONS order. Empty for any other daemon's configuration. */
export function agentServices(args: unknown): Exclude<DaemonKind, 'ca'>[] {
  const agent = isObj(args) ? args[CONFIG_ROOT.ca] : undefined;
  const sockets = isObj(agent) ? agent['control-sockets'] : undefined;
  const names = isObj(sockets) ? Object.keys(sockets) : [];
  return DAEMONS.filter((d): d is Exclude<DaemonKind, 'ca'> => d !== 'ca' && names.includes(d));
}
