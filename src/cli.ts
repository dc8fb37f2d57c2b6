#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=2 --heap-growing-percent=30
// Nearly everything the exporter allocates dies young (a socket and an answer per poll) or lives
// one poll interval (snapshots): a small young generation keeps RSS near the live size (npm run
// bench, 1,000 daemons: ~145 MB instead of ~220-240 MB). The heap grows by 50% steps: at 20% a
// 5,000-subnet server's statistics poll met a major collection every other poll (2.6-4.6x the
// CPU of parsing its answer, 1.6-2.2x at 50) and the fleet spent 8.3-8.5% of a core (6.6-6.8%),
// for the same RSS at 1,000 daemons (docs/performance.md).
//
// The runtime is checked before the program is loaded, so a too-old Node says so in one line
// instead of failing somewhere inside a dependency.
import { unsupportedRuntime } from './version.js';

const unsupported = unsupportedRuntime();
if (unsupported) {
  process.stderr.write(`${unsupported}\n`);
  process.exit(1);
}
await import('./main.js');
