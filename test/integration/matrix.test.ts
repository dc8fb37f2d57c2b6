/**
 * One scenario matrix on real Kea 2.2, 2.6 and 3.0 (parameterised, not copied): for each version a
 * lab with every daemon it has (HA pair, hub-and-spoke, passive-backup, dhcp6, d2, agent, traffic,
 * Kea 3 HTTP and HTTPS sockets) and the exporter watching all of it. The versions run side by side
 * (every port and path is the lab's own); the scenarios of one version run in order. Fails loudly
 * when a version cannot start: startLab rejects with the daemon's log.
 */
import { after, before, describe } from 'node:test';
import type { AddressInfo } from 'node:net';
import { KEA_VERSIONS } from '../../src/lab/kea-install.js';
import { buildServer } from '../../src/server/server.js';
import { changeScenarios } from './matrix/changes.js';
import { PROXY_YAML, proxyScenarios } from './matrix/proxy.js';
import { startMatrixLab, type MatrixLab } from './matrix/setup.js';
import { httpSocketScenarios, stateScenarios } from './matrix/state.js';
import { statisticsScenarios } from './matrix/statistics.js';

describe('scenario matrix on real Kea', { concurrency: KEA_VERSIONS.length }, () => {
  for (const version of KEA_VERSIONS) {
    // node:test hands a suite's concurrency down to its subtests: without this, the scenarios of
    // one version ran at once (a config-set raced the dhcp-disable of bug 3).
    describe(`Kea ${version}`, { concurrency: 1 }, () => {
      let lab: (MatrixLab & { stop(): Promise<void> }) | undefined;
      let server: ReturnType<typeof buildServer> | undefined;
      let port = 0;
      const m = (): MatrixLab => {
        if (!lab) throw new Error(`Kea ${version} lab did not start`);
        return lab;
      };
      before(
        async () => {
          lab = await startMatrixLab(version, PROXY_YAML);
          server = buildServer(lab.app);
          await server.listen({ host: '127.0.0.1', port: 0 });
          port = (server.server.address() as AddressInfo).port;
        },
        { timeout: 90_000 },
      );
      after(async () => {
        await server?.close();
        await lab?.stop();
      });

      describe('state', () => stateScenarios(m));
      if (version === '3.0') describe('Kea 3 HTTP sockets', () => httpSocketScenarios(m));
      describe('statistics', () => statisticsScenarios(m));
      describe('proxy', () => proxyScenarios(m, () => port));
      describe('changes', () => changeScenarios(m));
    });
  }
});
