import type { Lab } from './lab.js';

/** The exporter configuration (YAML) that watches every daemon of a lab: the HA pair, dhcp6 and
 * d2 over their sockets (dhcp6 without `daemon`, to exercise detection), and the Control Agent
 * with its services discovered. */
export function labExporterYaml(lab: Lab, opts: { listen?: string; interval?: string; timeout?: string } = {}): string {
  return `# kea-telemetry watching the local Kea lab in ${lab.dir}
listen: "${opts.listen ?? '127.0.0.1:9547'}"
poll: { interval: ${opts.interval ?? '5s'}, timeout: ${opts.timeout ?? '3s'} }
targets:
  - name: server1
    socket: ${lab.sockets.primary}
    daemon: dhcp4
    labels: { ha_pair: lab }
  - name: server2
    socket: ${lab.sockets.standby}
    daemon: dhcp4
    labels: { ha_pair: lab }
  - name: dhcp6
    socket: ${lab.sockets.dhcp6}
  - name: ddns
    socket: ${lab.sockets.d2}
    daemon: d2
  - name: agent
    url: ${lab.agentUrl}
`;
}
