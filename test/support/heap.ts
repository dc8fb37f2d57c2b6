/** The heap after full collections, for the .memory. tests and bench/series-memory.ts (each in a
 * process of its own: the flag is set at run time, as NODE_OPTIONS may not carry it). */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** process.memoryUsage() after two full collections (the second takes what the first freed). */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}
