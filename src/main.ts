/** The exporter's program (arguments, configuration, servers, signals), loaded by cli.ts once the runtime is known to be supported. */
import { watchFile } from 'node:fs';
import { parseArgs } from 'node:util';
import { App, TargetSetupError } from './app.js';
import { ConfigError, defaultConfig, loadConfigFile, parseListen } from './config/load.js';
import type { Config } from './config/types.js';
import { reservedLabels } from './render/prometheus/reserved-labels.js';
import { buildProxyServer, buildServer } from './server/server.js';
import { clientConnectionCap } from './server/connections.js';
import { hashPassword } from './proxy/password.js';
import { createTracedLog } from './telemetry/log.js';
import { logLevelProblem } from './log.js';
import { VERSION } from './version.js';

const USAGE = `Usage: kea-telemetry [--config FILE] [--listen HOST:PORT] [--watch-config] [--web.enable-lifecycle] [--check-config [--syntax-only]]
       kea-telemetry hash-password < password   (prints a hash for proxy.users[].password)

  --config FILE      YAML (.yaml/.yml) or JSON5 (.json/.json5) configuration;
                     without it the embedded default watches Kea's standard sockets
  --listen HOST:PORT address for /metrics (overrides the config; default 0.0.0.0:9547)
  --watch-config     reload the configuration when the file changes (also: SIGHUP)
  --web.enable-lifecycle
                     enable POST /-/reload, for loopback clients and proxy users or
                     tokens with the admin role (off: it answers 403)
  --check-config     validate the configuration, print the result, exit 0 (valid) or 1
  --syntax-only      with --check-config: do not check the files it names (TLS files), e.g.
                     in CI, away from where they are mounted
  --version          print the version
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'hash-password') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const plain = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (plain === '') return (void process.stderr.write('hash-password: no password on standard input\n'), 1);
    process.stdout.write(`${await hashPassword(plain)}\n`);
    return 0;
  }
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        'check-config': { type: 'boolean' },
        'syntax-only': { type: 'boolean' },
        'watch-config': { type: 'boolean' },
        'web.enable-lifecycle': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (args.help) return (void process.stdout.write(USAGE), 0);
  if (args.version) return (void process.stdout.write(`${VERSION}\n`), 0);

  let listen: Config['listen'] | undefined;
  try {
    listen = args.listen === undefined ? undefined : parseListen(args.listen);
  } catch (err) {
    process.stderr.write(`kea-telemetry: --listen: ${(err as Error).message}\n`);
    return 1;
  }
  const configFile = args.config;
  // Only --check-config may skip the files: a running exporter reads them.
  const files = !(args['check-config'] && args['syntax-only']);
  const load = async (): Promise<Config> => {
    const c = configFile ? await loadConfigFile(configFile, process.env, { files, reservedLabels: reservedLabels() }) : defaultConfig();
    return listen ? Object.freeze({ ...c, listen }) : c;
  };
  let config: Config;
  try {
    config = await load();
  } catch (err) {
    process.stderr.write(`kea-telemetry: invalid configuration: ${(err as Error).message}\n`);
    return 1;
  }
  if (args['check-config']) {
    process.stdout.write(`${args.config ?? 'embedded default'}: valid, ${config.targets.length} target(s)\n`);
    return 0;
  }

  const levelProblem = logLevelProblem(process.env.LOG_LEVEL);
  if (levelProblem) {
    process.stderr.write(`kea-telemetry: ${levelProblem}\n`);
    return 1;
  }
  const log = createTracedLog();
  let app: App;
  try {
    app = new App(config, { log, version: VERSION });
  } catch (err) {
    // A TLS file gone between the check and its use: said as safely as a config error.
    if (!(err instanceof TargetSetupError)) throw err;
    process.stderr.write(`kea-telemetry: invalid configuration: ${err.message}\n`);
    return 1;
  }
  const reload = () => app.reload(load);
  const { proxy } = config;
  // Client connections per listener, within what the open-files limit leaves beside Kea's.
  const maxConnections = clientConnectionCap(config, proxy.enabled && proxy.listen ? 2 : 1, log);
  const server = buildServer(app, { maxConnections, ...(args['web.enable-lifecycle'] && { lifecycle: { reload } }) });
  const { host, port } = config.listen;
  const where = (t: Config['targets'][number]) => (t.kind === 'socket' ? t.socket : t.url);
  log.info({ targets: config.targets.map((t) => `${t.name} (${t.kind} ${where(t)})`), source: args.config ?? 'embedded default' }, 'watching targets');
  const address = await server.listen({ host, port });
  log.info({ url: `${address}/metrics`, maxConnections }, 'listening');
  const proxyServer = proxy.enabled && proxy.listen ? buildProxyServer(app, { maxConnections }) : undefined;
  if (proxyServer && proxy.listen) {
    const at = await proxyServer.listen({ ...proxy.listen });
    log.info({ url: `${at}/targets/` }, 'proxy listening');
  } else if (proxy.enabled) log.info({ url: `${address}/targets/` }, 'proxy enabled');
  void app.start();
  process.on('SIGHUP', () => void reload());
  if (args['watch-config'] && configFile) {
    // Polls the file's stat: also sees a Kubernetes ConfigMap's symlink swap, which inotify on
    // the path itself would miss.
    watchFile(configFile, { interval: 2000 }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino) void reload();
    });
  }

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await server.close();
    await proxyServer?.close();
    await app.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`kea-telemetry: ${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
