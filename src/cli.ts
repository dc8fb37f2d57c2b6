#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=2 --heap-growing-percent=20
// Nearly everything the exporter allocates dies young (a socket and an answer per poll) or lives
// one poll interval (snapshots): a small young generation and a heap that grows by 20% steps
// keep RSS near the live size. npm run bench, 1,000 daemons: ~135 MB instead of ~220-240 MB,
// for one or two percent of a core.
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
