import { createHash } from 'node:crypto';

/** Whether this replica watches the target: a stable hash of its name (the same on every replica,
 * Node version and platform), modulo the shard count, equals this replica's index. */
export function inShard(name: string, shard: { index: number; count: number }): boolean {
  if (shard.count <= 1) return true;
  return createHash('sha256').update(name).digest().readUInt32BE(0) % shard.count === shard.index;
}
