/** What the storm runs against: the exporter's configuration (the defaults, plus the proxy with
 * a hashed-password user, a plain-secret user from the environment, an admin token and a
 * read-only token), the principals the load generator plays, and the leases it loads into Kea
 * so that lease4-get-all answers are of a realistic size. */
import { hashPassword } from '../../../src/proxy/password.js';

/** The secrets: none of them, nor a Basic header built from them, may appear in any answer, log
 * line or /metrics. Fixed (not random) so a leak found in a log can be traced to its source. */
export const SECRETS = {
  viewerPassword: 'storm-viewer-pw-7c1e',
  auditorPassword: 'storm-auditor-pw-93ab',
  adminToken: 'storm-admin-token-5f0d2a9c61be',
  readOnlyToken: 'storm-grafana-token-d41c8e7a03',
  /** Sent by the intruder; echoing a guessed password is a leak too. */
  wrongPassword: 'storm-guess-pw-0000',
} as const;

/** The one target, behind the counting relay. */
export const TARGET = 'kea';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export type Expectation = 'ok' | 'unauthorized' | 'forbidden';

export interface Principal {
  name: string;
  authorization: string;
  expect: Expectation;
  /** Replaces the mix's command: a command this principal's role must be refused. */
  command?: string;
}

/** Who sends the proxied commands, in turn. */
export const PRINCIPALS: readonly Principal[] = [
  { name: 'ops (admin token)', authorization: `Bearer ${SECRETS.adminToken}`, expect: 'ok' },
  { name: 'viewer (scrypt hash)', authorization: basic('viewer', SECRETS.viewerPassword), expect: 'ok' },
  { name: 'auditor (plain secret)', authorization: basic('auditor', SECRETS.auditorPassword), expect: 'ok' },
  { name: 'grafana (read-only token)', authorization: `Bearer ${SECRETS.readOnlyToken}`, expect: 'ok' },
  { name: 'intruder (wrong password)', authorization: basic('viewer', SECRETS.wrongPassword), expect: 'unauthorized' },
  // Destructive and outside read-only: if it ever got through, the lease4-get-all answers would be empty.
  { name: 'grafana lease4-wipe', authorization: `Bearer ${SECRETS.readOnlyToken}`, expect: 'forbidden', command: 'lease4-wipe' },
];

/** The mix of proxied commands, in turn. */
export const COMMANDS = ['status-get', 'config-get', 'lease4-get-all', 'statistic-get-all'] as const;

/** Strings that must never leave the exporter, with a name to report them by (the value itself
 * is not repeated in reports): the secrets, the Basic credentials made of them, and the stored
 * hash (a config value). */
export function secretStrings(viewerHash: string): { name: string; value: string }[] {
  const plain = Object.entries(SECRETS).map(([name, value]) => ({ name, value }));
  const headers = PRINCIPALS.filter((p) => p.authorization.startsWith('Basic ')).map((p) => ({
    name: `Basic credentials of ${p.name}`,
    value: p.authorization.slice('Basic '.length),
  }));
  const unique = new Map([...plain, ...headers, { name: 'viewer password hash', value: viewerHash }].map((s) => [s.value, s]));
  return [...unique.values()];
}

/** The exporter's configuration: defaults everywhere (poll interval and timeout, maxInFlight 1,
 * proxy.maxQueued, timeout, rate limit), so the storm holds what a default install promises. */
export async function exporterConfig(o: { port: number; socket: string }): Promise<{ yaml: string; env: Record<string, string>; viewerHash: string }> {
  const viewerHash = await hashPassword(SECRETS.viewerPassword);
  const yaml = `# kea-telemetry storm: one real kea-dhcp4 behind a counting relay
listen: "127.0.0.1:${o.port}"
proxy:
  enabled: true
  users:
    - { name: viewer, password: "${viewerHash}" }
    - { name: auditor, password: "\${STORM_AUDITOR_PASSWORD}" }
  tokens:
    - { name: ops, token: "\${STORM_ADMIN_TOKEN}", role: admin }
    - { name: grafana, token: "${SECRETS.readOnlyToken}" }
targets:
  - { name: ${TARGET}, socket: "${o.socket}", daemon: dhcp4 }
`;
  return { yaml, viewerHash, env: { STORM_AUDITOR_PASSWORD: SECRETS.auditorPassword, STORM_ADMIN_TOKEN: SECRETS.adminToken } };
}

/** Leases loaded into the lab's primary (subnet 192.0.2.0/24), each with a padded user-context:
 * lease4-get-all answers ~850 KB, which Kea builds in ~15 ms, so the queue holds big answers
 * without the storm lasting minutes. */
export const LEASES = 200;
const LEASE_PAD = 4000;

export async function loadLeases(command: (cmd: string, args: Record<string, unknown>) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < LEASES; i++) {
    const hw = `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    const answer = (await command('lease4-add', {
      'ip-address': `192.0.2.${10 + i}`,
      'hw-address': hw,
      hostname: `host-${i}.storm.example`,
      'user-context': { storm: { pad: 'x'.repeat(LEASE_PAD) } },
    })) as { result?: number; text?: string };
    if (answer.result !== 0) throw new Error(`storm: lease4-add 192.0.2.${10 + i}: result ${answer.result}: ${answer.text}`);
  }
}
