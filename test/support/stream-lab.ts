/** The proxy-streaming tests' lab (src/proxy/stream*.test.ts): four fake Kea daemons behind
 * hashing relays and a fake Control Agent, an exporter started from YAML, and helpers. */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { buildServer } from '../../src/server/server.js';
import { FakeKea, keaHandler } from './fake-kea.js';
import { FakeAgent } from './fake-agent.js';
import { HashingRelay } from './hashing-relay.js';
import { hashedPost, type Got, type PostOptions } from './hashed-post.js';
import { MemoryLog } from './memory-log.js';

export const MB60 = 60_000_000;
export const AUTH = `Basic ${Buffer.from('ops:ops-pw').toString('base64')}`;
export const RO = `Basic ${Buffer.from('viewer:viewer-pw').toString('base64')}`;
export const MiB = 1024 * 1024;

export interface Running {
  app: App;
  port: number;
  close(): Promise<void>;
}

export async function start(yaml: string): Promise<Running> {
  const app = new App(parseConfigText(yaml, 'stream.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
  const server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    port: (server.server.address() as AddressInfo).port,
    close: async () => {
      await server.close();
      await app.stop();
    },
  };
}

export const users = `users: [ { name: ops, password: ops-pw, role: admin }, { name: viewer, password: viewer-pw } ]`;

export type PostOpts = Omit<PostOptions, 'auth'> & { auth?: string };
/** POSTs a command as the admin unless told otherwise; hashes the body as it comes. */
export const post = (port: number, target: string, body: string, opts: PostOpts = {}): Promise<Got> =>
  hashedPost(port, target, body, { ...opts, auth: opts.auth ?? AUTH });

export async function metric(app: App, name: string, labels = ''): Promise<number> {
  const text = (await app.renderer.render(false)).body;
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export const until = async (pred: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The fakes of one test file, started before its tests and closed after them. */
export interface StreamLab {
  fakes: FakeKea[];
  relays: HashingRelay[];
  agent: FakeAgent;
}

/** Registers the file's before/after hooks; the lab's parts are there once `before` ran. */
export function streamLab(): StreamLab {
  let dir = '';
  const lab = { fakes: [], relays: [] } as unknown as StreamLab;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'proxy-stream-'));
    for (let i = 0; i < 4; i++) {
      const fake = await FakeKea.start({ path: path.join(dir, `kea${i}.sock`) });
      lab.fakes.push(fake);
      lab.relays.push(await HashingRelay.start(path.join(dir, `relay${i}.sock`), fake.path));
    }
    lab.agent = await FakeAgent.start({
      services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }), dhcp6: keaHandler({ version: '2.2', daemon: 'dhcp6' }) },
    });
  });
  after(async () => {
    await Promise.all([...lab.relays.map((r) => r.close()), ...lab.fakes.map((f) => f.close()), lab.agent.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  return lab;
}

/** The exporter of the "default budget" suites: big0 and big1 on the first two relays, and any
 * further target lines given. */
export const defaultBudgetYaml = (lab: StreamLab, moreTargets = ''): string => `poll: { interval: 1h, timeout: 2s }
statistics: { enabled: false }
proxy: { enabled: true, timeout: 60s, ${users} }
targets:
  - { name: big0, socket: ${lab.relays[0]!.path}, daemon: dhcp4 }
  - { name: big1, socket: ${lab.relays[1]!.path}, daemon: dhcp4 }${moreTargets}`;
