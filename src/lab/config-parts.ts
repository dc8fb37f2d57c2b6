/** Pieces every lab config is built from: the ports and context, control sockets, loggers, pools. */
import { HTTP_SOCKET_DAEMONS, daemonRow, labPaths, type HaServer, type HttpSocketDaemon, type LabDaemon } from './daemons.js';
import type { KeaInstall } from './kea-install.js';

export interface LabPorts {
  /** TCP: one HA listener per HA server name. */
  ha: Record<HaServer, number>;
  /** TCP: Kea 3 HTTP control sockets. */
  http: Record<HttpSocketDaemon, number>;
  /** TCP: the 'tls' daemon's HTTPS control socket (Kea 3). */
  https: number;
  agent: number;
  /** UDP: d2's DNS update listener; the traffic daemons' DHCP server ports (`-p`). */
  d2: number;
  dhcp4: number;
  dhcp6: number;
}

/** Everything a config depends on besides the daemon's name. */
export interface LabContext {
  dir: string;
  install: KeaInstall;
  ports: LabPorts;
  /** Basic auth of Kea 3 HTTP sockets, and of HA between partners over them. */
  auth: { user: string; password: string };
  /** Server certificate and CA for the 'tls' daemon (Kea 3). */
  tls?: { ca: string; cert: string; key: string };
  /** The lab's PostgreSQL database, for the daemons with a `pgsql` row. */
  pgsql?: PgsqlDatabase;
}

/** A database on a PostgreSQL server (src/lab/postgres.ts), as Kea's `lease-database` names it. */
export interface PgsqlDatabase {
  host: string;
  port: number;
  name: string;
  user: string;
  password: string;
}

export const httpUrl = (ports: LabPorts, name: HttpSocketDaemon): string => `http://127.0.0.1:${ports.http[name]}/`;

export function unixSocket(ctx: LabContext, name: LabDaemon) {
  return { 'socket-type': 'unix', 'socket-name': labPaths(ctx.dir, name).socket };
}

/** 2.2 and 2.6: one UNIX `control-socket`. 3.0: a `control-sockets` list, with a basic-auth HTTP socket
 * for the daemons that have one, and an HTTPS one requiring client certificates for 'tls'. */
export function controlSockets(ctx: LabContext, name: LabDaemon): Record<string, unknown> {
  if (!ctx.install.features.httpSockets) return { 'control-socket': unixSocket(ctx, name) };
  const list: object[] = [unixSocket(ctx, name)];
  const auth = { type: 'basic', realm: `kea-lab-${name}`, clients: [{ user: ctx.auth.user, password: ctx.auth.password }] };
  if ((HTTP_SOCKET_DAEMONS as readonly string[]).includes(name)) {
    const port = ctx.ports.http[name as HttpSocketDaemon];
    list.push({ 'socket-type': 'http', 'socket-address': '127.0.0.1', 'socket-port': port, authentication: auth });
  }
  if (name === 'tls') {
    if (!ctx.tls) throw new Error('Kea lab: the tls daemon needs certificates');
    list.push({
      'socket-type': 'https',
      'socket-address': '127.0.0.1',
      'socket-port': ctx.ports.https,
      'trust-anchor': ctx.tls.ca,
      'cert-file': ctx.tls.cert,
      'key-file': ctx.tls.key,
      'cert-required': true,
    });
  }
  return { 'control-sockets': list };
}

export function loggers(ctx: LabContext, self: LabDaemon) {
  const logger = daemonRow(self).program;
  // INFO, not WARN: start-up failures and HA transitions should be in the tail we report.
  return [{ name: logger, severity: 'INFO', debuglevel: 0, output_options: [{ output: labPaths(ctx.dir, self).log, flush: true }] }];
}

/** A pool, with its `pool-id` where the version has them (2.6+). */
export function pool(ctx: LabContext, range: string, id?: number): Record<string, unknown> {
  return id !== undefined && ctx.install.features.poolIds ? { pool: range, 'pool-id': id } : { pool: range };
}
