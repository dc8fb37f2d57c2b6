import { createHmac } from 'node:crypto';

/**
 * Every config hash that leaves the exporter (labels on /metrics, OTLP, logs, proxied hash
 * answers for redacted roles) is an HMAC of the daemon's hash, never the hash itself: Kea's own
 * config-hash-get and our SHA-256 of config-get cover the passwords in the configuration, and a
 * read-only config-get gives everything else, so an unkeyed hash lets anyone confirm a guessed
 * password offline. Keyed, equal configurations still publish equal values (HA partners, shards
 * sharing the key) and every change still shows; without the key, a value confirms nothing.
 */
export type HashPublisher = (hash: string) => string;

/** Hex characters published: 128 bits, enough to tell configurations apart, and visibly not
 * Kea's own 64-character value (operators must not compare the two). */
export const PUBLISHED_HASH_LENGTH = 32;

/** The minimum key length the config accepts (the chart generates 48 random characters). */
export const HASH_KEY_MIN_LENGTH = 16;

export function hashPublisher(key: string | Buffer): HashPublisher {
  return (hash) => createHmac('sha256', key).update(hash, 'utf8').digest('hex').slice(0, PUBLISHED_HASH_LENGTH);
}
