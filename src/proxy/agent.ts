/** A Control Agent for a Kea 3 host, played by the proxy: one name (proxy.agents) for several
 * daemons' own sockets, each a configured target. `service` is routed as kea-ctrl-agent routes it
 * (answers in request order, "forwarding socket is not configured ..." for a service it has no
 * daemon for, "unable to forward ... The server is likely to be offline" for one that does not
 * answer); without `service` the agent answers for itself, as kea-telemetry. Texts from the 2.6.3
 * and 3.0.4 agents' captures (/work/shared/kea/ *\/ca.*.json) and a real 3.0.4 agent. */
import type { AgentGroupConfig } from '../config/types.js';
import { KeaError } from '../errors.js';
import { RESULT } from '../kea/types.js';
import { keaElement } from './forward.js';
import type { ProxyEndpoint, ProxySource, ProxyTarget } from './source.js';

/** What the agent adds when it answers a command it does not have itself (no `service`). */
export const AGENT_HINT =
  ' You did not include "service" parameter in the command, which indicates that Kea Control Agent should process this command rather than forward it to one or more Kea servers. If you aimed to send this command to one of the Kea servers you should include the "service" parameter in your request, e.g. "service": [ "dhcp4" ] to forward the command to the DHCPv4 server, or "service": [ "dhcp4", "dhcp6", "d2" ] to forward it to DHCPv4, DHCPv6 and D2 servers etc.';

/** The commands this agent answers itself; the agent's others (config-get, config-set,
 * shutdown, ...) act on a kea-ctrl-agent configuration or process that does not exist here. */
export const AGENT_COMMANDS = ['list-commands', 'status-get', 'version-get'] as const;

/** The agent's words for a socket error (boost's, i.e. strerror's), by errno. */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ECONNRESET: 'Connection reset by peer',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
};

/** The agent's text for a daemon it cannot reach, when the errno is known (a connect failure);
 * undefined otherwise (the caller then names the error code's description). No path, no URL. */
export function offlineReason(err: unknown): string | undefined {
  if (!(err instanceof KeaError) || err.code !== 'connect') return undefined;
  let cause: unknown = err.cause;
  for (let depth = 0; depth < 4 && typeof cause === 'object' && cause !== null; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code in STRERROR) return `${STRERROR[code]}. The server is likely to be offline`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The proxy target of one proxy.agents entry, over the shard's targets of this request: each
 * service goes to its target's daemon (through that daemon's queue); a target not watched by
 * this shard is a service the agent has no socket for. */
export class HostAgent implements ProxyTarget {
  readonly config = { kind: 'host' } as const;
  readonly name: string;

  constructor(
    private readonly group: AgentGroupConfig,
    private readonly targets: readonly ProxyTarget[],
  ) {
    this.name = group.name;
  }

  /** The target behind a service, if this shard watches it. */
  member(service: string | undefined): ProxyTarget | undefined {
    if (service === undefined || !Object.hasOwn(this.group.services, service)) return undefined;
    const name = this.group.services[service as keyof AgentGroupConfig['services']];
    return this.targets.find((t) => t.name === name);
  }

  snapshots(): ReturnType<ProxyTarget['snapshots']> {
    return Object.keys(this.group.services).flatMap((s) => this.member(s)?.snapshots() ?? []);
  }

  /** Without service: none (the agent itself answers, see selfAnswer). */
  endpointFor(service: string | undefined): ProxyEndpoint | undefined {
    return this.member(service)?.endpointFor(service);
  }
}

/** What the agent's own answers tell about it. */
export interface AgentSelf {
  pid: number;
  uptimeS: number;
  /** Seconds since the configuration was loaded. */
  reloadS: number;
  version: string;
}

/** The agent's answer for itself (no `service`), one element as Kea prints it. */
export function selfAnswer(command: string, self: AgentSelf): { result: number; element: string } {
  switch (command) {
    case 'list-commands':
      return { result: RESULT.success, element: `{ "arguments": [ ${AGENT_COMMANDS.map((c) => JSON.stringify(c)).join(', ')} ], "result": 0 }` };
    case 'status-get': {
      const s = (n: number) => Math.max(0, Math.floor(n));
      return {
        result: RESULT.success,
        element: `{ "arguments": { "pid": ${self.pid}, "reload": ${s(self.reloadS)}, "uptime": ${s(self.uptimeS)} }, "result": 0 }`,
      };
    }
    case 'version-get': {
      const extended = JSON.stringify(`kea-telemetry ${self.version} (in place of kea-ctrl-agent)`);
      return { result: RESULT.success, element: `{ "arguments": { "extended": ${extended} }, "result": 0, "text": ${JSON.stringify(self.version)} }` };
    }
    default:
      return { result: RESULT.unsupported, element: keaElement(RESULT.unsupported, `'${command}' command not supported.${AGENT_HINT}`) };
  }
}

type Targets = Pick<ProxySource, 'targets' | 'config'>;

/** The target or played agent a request names, read from the running configuration. */
export function findTarget(source: Targets, name: string): ProxyTarget | undefined {
  const target = source.targets.find((t) => t.name === name);
  if (target) return target;
  const group = source.config.proxy.agents.find((a) => a.name === name);
  return group && new HostAgent(group, source.targets);
}

/** Every name POST /targets/<name>/ answers for: the shard's targets, then the played agents. */
export function proxyTargets(source: Targets): ProxyTarget[] {
  return [...source.targets, ...source.config.proxy.agents.map((a) => new HostAgent(a, source.targets))];
}

/** The agent's own answer's facts, now. */
export function agentSelf(source: Pick<ProxySource, 'version' | 'configLoadedAtMs'>): AgentSelf {
  return { pid: process.pid, uptimeS: process.uptime(), reloadS: (Date.now() - source.configLoadedAtMs) / 1000, version: source.version };
}
