import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { App } from '../app.js';
import { loadConfigFile } from '../config/load.js';
import { createTracedLog } from '../telemetry/log.js';
import { buildServer } from '../server/server.js';
import { VERSION } from '../version.js';
import { labExporterYaml } from './exporter-config.js';
import { NEWEST_KEA, isKeaVersion } from './kea-install.js';
import { startLab } from './lab.js';

/** `npm run demo [-- [VERSION] [LISTEN]]`: a real Kea lab (2.2, 2.6 or 3.0; default the newest) on
 * loopback plus the exporter watching it, until Ctrl-C. */
const args = process.argv.slice(2);
const version = args[0] && isKeaVersion(args[0]) ? (args.shift() as typeof NEWEST_KEA) : NEWEST_KEA;
const listen = args[0] ?? '127.0.0.1:9547';
console.log(`starting the Kea ${version} lab (HA pair, dhcp6, d2, Control Agent)...`);
const lab = await startLab({ version });
const file = path.join(lab.dir, 'kea-telemetry.yaml');
writeFileSync(file, labExporterYaml(lab, { listen }));
const config = await loadConfigFile(file);
const app = new App(config, { log: createTracedLog(), version: VERSION });
const server = buildServer(app);
await server.listen({ ...config.listen });
await app.start();
console.log(`\nKea lab in ${lab.dir} (config ${file})`);
console.log(`kea-telemetry: http://${listen}/  metrics: http://${listen}/metrics  (Ctrl-C stops everything)\n`);

async function shutdown(): Promise<void> {
  await server.close();
  await app.stop();
  await lab.stop();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
