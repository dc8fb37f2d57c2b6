import { createHash } from 'node:crypto';
import { canonicalJson } from './config-hash.js';
import { CONFIG_ROOT, DAEMONS } from './types.js';
import { isObj, type Obj } from './json.js';

/**
 * Kea's own hash covers the whole configuration, so two HA partners never agree on it: each names
 * itself (this-server-name) and usually its own socket, log files, database and DUID. The shared
 * hash leaves out exactly those per-server fields, so equal shared hashes mean "same configuration".
 */
export interface SharedConfig {
  /** SHA-256, uppercase hex, of the canonical configuration without the per-server fields. */
  hash: string;
  /** Sorted, comma-joined names of the HA peers the HA hook configures; "" without HA. */
  haPeers: string;
}

/** Per server by design, at the root of every daemon's configuration. */
export const PER_SERVER_ROOT_KEYS = ['control-socket', 'control-sockets', 'loggers', 'server-id', 'server-tag', 'interfaces-config', 'http-host'] as const;
/** Connection details of lease-database, hosts-database(s) and config-databases. */
export const PER_SERVER_DATABASE_KEYS = ['name', 'host', 'port', 'user', 'password', 'trust-anchor', 'cert-file', 'key-file'] as const;
/** In each high-availability relationship: who this server is and its own TLS client files. */
export const PER_SERVER_HA_KEYS = ['this-server-name', 'trust-anchor', 'cert-file', 'key-file'] as const;

/** From config-get's arguments; undefined when they hold no daemon configuration. */
export function sharedConfig(configGetArgs: unknown): SharedConfig | undefined {
  if (!isObj(configGetArgs)) return undefined;
  const key = DAEMONS.map((d) => CONFIG_ROOT[d]).find((k) => isObj(configGetArgs[k]));
  if (!key) return undefined;
  const root = omit(configGetArgs[key] as Obj, PER_SERVER_ROOT_KEYS);
  const peers = new Set<string>();
  for (const k of ['lease-database', 'hosts-database']) if (isObj(root[k])) root[k] = omit(root[k], PER_SERVER_DATABASE_KEYS);
  for (const k of ['hosts-databases']) if (Array.isArray(root[k])) root[k] = root[k].map(dbOmit);
  if (isObj(root['config-control']) && Array.isArray(root['config-control']['config-databases'])) {
    root['config-control'] = { ...root['config-control'], 'config-databases': root['config-control']['config-databases'].map(dbOmit) };
  }
  if (Array.isArray(root['hooks-libraries'])) {
    root['hooks-libraries'] = (root['hooks-libraries'] as unknown[]).map((lib) => {
      const params = isObj(lib) && isObj(lib.parameters) ? lib.parameters : undefined;
      const ha = params?.['high-availability'];
      if (!Array.isArray(ha)) return lib;
      const rels = (ha as unknown[]).map((rel) => {
        if (!isObj(rel)) return rel;
        for (const p of Array.isArray(rel.peers) ? rel.peers : []) if (isObj(p) && typeof p.name === 'string') peers.add(p.name);
        return omit(rel, PER_SERVER_HA_KEYS);
      });
      return { ...(lib as Obj), parameters: { ...params, 'high-availability': rels } };
    });
  }
  const hash = createHash('sha256')
    .update(canonicalJson({ [key]: root }))
    .digest('hex')
    .toUpperCase();
  return { hash, haPeers: [...peers].sort().join(',') };
}

function omit(obj: Obj, keys: readonly string[]): Obj {
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

const dbOmit = (db: unknown): unknown => (isObj(db) ? omit(db, PER_SERVER_DATABASE_KEYS) : db);
