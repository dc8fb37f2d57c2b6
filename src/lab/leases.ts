/** Pure builders of a Kea 2.2 memfile lease file, so a lab kea-dhcp4 starts with many leases (a
 * lease4-get-all that takes seconds) without handing out a single one over DHCP. */

/** The header kea-dhcp4 2.2 writes to a fresh memfile (seen by letting it write one after a
 * lease4-add): schema 2.1 of the v4 lease file. */
export const LEASE4_CSV_HEADER = 'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context';

/** The 'leases' lab daemon's one subnet: 10.0.0.0/8, id 1; leases start at LEASES_FIRST. */
export const LEASES_SUBNET = { id: 1, subnet: '10.0.0.0/8', pool: '10.0.0.10 - 10.255.255.250' } as const;
const FIRST = (10 << 24) + 10;
/** Leases the subnet's pool can hold. */
export const MAX_LEASES = (10 << 24) + (255 << 16) + (255 << 8) + 250 - FIRST + 1;

/** A month: no preloaded lease expires (and gets reclaimed) while a test runs. */
export const LEASE_LIFETIME_S = 30 * 24 * 3600;

export interface Leases4Options {
  count: number;
  /** Unix seconds the leases were granted at (default now). */
  now?: number;
}

const octets = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const hex = (n: number) => n.toString(16).padStart(2, '0');

/** Lease i: address 10.0.0.10 + i, hardware address 02:<i as 4 bytes>:01 (locally administered,
 * unique), no client id or hostname, state 0 (default). */
export function lease4Line(i: number, now: number): string {
  const address = octets(FIRST + i).join('.');
  const hwaddr = ['02', ...octets(i).map(hex), '01'].join(':');
  return `${address},${hwaddr},,${LEASE_LIFETIME_S},${now + LEASE_LIFETIME_S},${LEASES_SUBNET.id},0,0,,0,`;
}

/** The whole file: header, then `count` leases, one a line. */
export function leases4Csv(opts: Leases4Options): string {
  const { count } = opts;
  if (!Number.isInteger(count) || count < 0 || count > MAX_LEASES) {
    throw new Error(`leases4Csv: count must be an integer in 0..${MAX_LEASES}, got ${count}`);
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const lines = [LEASE4_CSV_HEADER];
  for (let i = 0; i < count; i++) lines.push(lease4Line(i, now));
  return `${lines.join('\n')}\n`;
}
