// The chart's Prometheus Operator objects: the ServiceMonitor's scrape options, the Probe mode for
// `poll.background: false`, and the PrometheusRule's per-alert overrides and runbook URLs; each
// rendered object is validated against the operator's schema (kubernetes-models).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { inShard } from '../../src/targets/shard.js';
import { find, NAMESPACE, one, RELEASE, render, renderError, validateObject, type Obj } from './helm.js';
import { CHART_DIR, ROOT } from './paths.js';

const FULLNAME = `${RELEASE}-kea-telemetry`;
const VALUES = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Obj;
const RULES = parse(readFileSync(join(ROOT, 'dashboards/prometheus/kea-telemetry.rules.yml'), 'utf8')) as Obj;
const ALERTS: Obj[] = (RULES.groups as Obj[]).flatMap((g) => (g.rules as Obj[]).filter((r) => r.alert));
const configOf = (objs: Obj[]): Obj => parse(one(objs, 'ConfigMap', FULLNAME).data['config.yaml'] as string) as Obj;
const targets = (names: string[]): string[] => names.flatMap((n, i) => [`config.targets[${i}].name=${n}`, `config.targets[${i}].url=http://kea-${n}.kea.svc:8000/`]);
const validated = (objs: Obj[]): Obj[] => {
  for (const o of objs) validateObject(o);
  return objs;
};

test('ServiceMonitor: scheme, tlsConfig, basicAuth, honorLabels, relabelings, interval, jobLabel, labels, namespace', () => {
  const tls = { ca: { secret: { name: 'mesh-ca', key: 'ca.crt' } }, serverName: 'kea-telemetry' };
  const auth = { username: { name: 'scrape', key: 'user' }, password: { name: 'scrape', key: 'pass' } };
  const objs = validated(
    render({
      set: [
        'serviceMonitor.enabled=true',
        'serviceMonitor.namespace=monitoring',
        'serviceMonitor.additionalLabels.release=kps',
        'serviceMonitor.jobLabel=app.kubernetes.io/name',
        'serviceMonitor.interval=15s',
        'serviceMonitor.scrapeTimeout=5s',
        'serviceMonitor.scheme=https',
        `serviceMonitor.tlsConfig.ca.secret.name=${tls.ca.secret.name}`,
        `serviceMonitor.tlsConfig.ca.secret.key=${tls.ca.secret.key}`,
        `serviceMonitor.tlsConfig.serverName=${tls.serverName}`,
        'serviceMonitor.basicAuth.username.name=scrape',
        'serviceMonitor.basicAuth.username.key=user',
        'serviceMonitor.basicAuth.password.name=scrape',
        'serviceMonitor.basicAuth.password.key=pass',
        'serviceMonitor.honorLabels=true',
        'serviceMonitor.relabelings[0].targetLabel=cluster',
        'serviceMonitor.relabelings[0].replacement=dc1',
        'serviceMonitor.metricRelabelings[0].action=drop',
        'serviceMonitor.metricRelabelings[0].sourceLabels[0]=__name__',
        'serviceMonitor.metricRelabelings[0].regex=nodejs_.*',
      ],
    }),
  );
  const sm = one(objs, 'ServiceMonitor', FULLNAME);
  assert.equal(sm.metadata.namespace, 'monitoring');
  assert.equal(sm.metadata.labels.release, 'kps');
  assert.equal(sm.spec.jobLabel, 'app.kubernetes.io/name');
  assert.deepEqual(sm.spec.namespaceSelector, { matchNames: [NAMESPACE] }, 'it scrapes the release namespace wherever it lives');
  assert.deepEqual(sm.spec.endpoints, [
    {
      port: 'metrics',
      path: '/metrics',
      scheme: 'https',
      interval: '15s',
      scrapeTimeout: '5s',
      honorLabels: true,
      tlsConfig: tls,
      basicAuth: auth,
      relabelings: [{ targetLabel: 'cluster', replacement: 'dc1' }],
      metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'nodejs_.*' }],
    },
  ]);
  // Defaults: plain HTTP, the chart's interval, no options it was not given.
  const plain = one(render({ set: ['serviceMonitor.enabled=true'] }), 'ServiceMonitor', FULLNAME);
  assert.deepEqual(plain.spec.endpoints, [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: VALUES.serviceMonitor.interval, scrapeTimeout: VALUES.serviceMonitor.scrapeTimeout }]);
  assert.equal(plain.spec.jobLabel, undefined);
  assert.match(renderError({ set: ['serviceMonitor.enabled=true', 'serviceMonitor.scheme=ftp'] }), /serviceMonitor\.scheme/);
  assert.match(renderError({ set: ['serviceMonitor.labels.release=kps'] }), /Additional property labels is not allowed/);
});

test('Probe mode: one Probe of every configured target through the Service; the exporter polls only when probed', () => {
  const names = ['agent1', 'server1', 'kea3-dhcp4'];
  const objs = validated(render({ set: ['probe.enabled=true', 'probe.jobName=kea', 'probe.interval=20s', 'probe.targetLabels.site=dc1', ...targets(names)] }));
  const probe = one(objs, 'Probe', FULLNAME);
  assert.equal(probe.metadata.namespace, NAMESPACE);
  assert.equal(probe.spec.jobName, 'kea');
  assert.equal(probe.spec.interval, '20s');
  assert.deepEqual(probe.spec.prober, { url: `${FULLNAME}.${NAMESPACE}.svc:9547`, path: '/probe', scheme: 'http' });
  assert.deepEqual(probe.spec.targets, { staticConfig: { static: names, labels: { site: 'dc1' } } });
  // The prober URL is the Service's name and port.
  const svc = one(objs, 'Service', FULLNAME);
  assert.equal(probe.spec.prober.url, `${svc.metadata.name}.${svc.metadata.namespace}.svc:${svc.spec.ports[0].port}`);
  assert.equal(configOf(objs).poll.background, false);
  assert.equal(configOf(objs).poll.interval, VALUES.config.poll.interval, 'the rest of poll stays');
  assert.equal(parseConfigText(one(objs, 'ConfigMap', FULLNAME).data['config.yaml'] as string, 'config.yaml', {}).poll.background, false);
  // Off by default; no background polling to turn off then.
  assert.equal(find(render({ set: targets(names) }), 'Probe').length, 0);
  assert.equal(configOf(render({ set: targets(names) })).poll.background, undefined);
  assert.match(renderError({ set: ['probe.enabled=true', 'config.poll.background=true', ...targets(names)] }), /config\.poll\.background must be false/);
  assert.match(renderError({ set: ['probe.enabled=true'] }), /config\.targets is empty and so is probe\.moduleTargets/);
});

test('Probe mode with a ServiceMonitor: /metrics keeps only the exporter\'s own series (no target label)', () => {
  const objs = validated(render({ set: ['probe.enabled=true', 'serviceMonitor.enabled=true', 'serviceMonitor.metricRelabelings[0].action=labeldrop', 'serviceMonitor.metricRelabelings[0].regex=pod', ...targets(['a'])] }));
  assert.deepEqual(one(objs, 'ServiceMonitor', FULLNAME).spec.endpoints[0].metricRelabelings, [
    { action: 'drop', sourceLabels: ['target'], regex: '.+' },
    { action: 'labeldrop', regex: 'pod' },
  ]);
  assert.equal(one(render({ set: ['serviceMonitor.enabled=true', ...targets(['a'])] }), 'ServiceMonitor').spec.endpoints[0].metricRelabelings, undefined);
});

test("Probe mode, statefulset: one Probe per shard, sent to that shard's pod, with exactly the targets the exporter's shard rule gives it", () => {
  const names = Array.from({ length: 40 }, (_, i) => `site-${i}`);
  const count = 3;
  const objs = validated(render({ set: ['mode=statefulset', `replicas=${count}`, 'probe.enabled=true', ...targets(names)] }));
  const probes = find(objs, 'Probe');
  const headless = one(objs, 'StatefulSet', FULLNAME).spec.serviceName as string;
  assert.equal(probes.length, count);
  for (let index = 0; index < count; index++) {
    const p = one(probes, 'Probe', `${FULLNAME}-${index}`);
    assert.equal(p.spec.prober.url, `${FULLNAME}-${index}.${headless}.${NAMESPACE}.svc:9547`);
    assert.deepEqual(p.spec.targets.staticConfig.static, names.filter((n) => inShard(n, { index, count })), `shard ${index}`);
  }
  assert.deepEqual(probes.flatMap((p) => p.spec.targets.staticConfig.static as string[]).sort(), [...names].sort(), 'every target once');
});

test('Probe mode, module targets: addresses not in config.targets, one Probe per entry with its module, sent to the Service', () => {
  const moduleTargets = [
    'config.modules.kea3.auth.username=monitor',
    'config.modules.kea3.auth.password=$${KEA_PASSWORD}',
    'config.probe.allow[0]=https://kea*.site-a.example:8004/',
    'probe.moduleTargets[0].name=site-a',
    'probe.moduleTargets[0].module=kea3',
    'probe.moduleTargets[0].targets[0]=https://kea1.site-a.example:8004/',
    'probe.moduleTargets[0].targets[1]=https://kea2.site-a.example:8004/',
    'probe.moduleTargets[0].labels.site=a',
    'probe.moduleTargets[0].interval=1m',
  ];
  for (const mode of ['deployment', 'statefulset']) {
    const objs = validated(render({ set: [`mode=${mode}`, 'replicas=2', 'probe.enabled=true', 'probe.targetLabels.dc=dc1', ...moduleTargets] }));
    const p = one(objs, 'Probe', `${FULLNAME}-site-a`);
    assert.equal(p.spec.module, 'kea3');
    assert.deepEqual(p.spec.prober, { url: `${FULLNAME}.${NAMESPACE}.svc:9547`, path: '/probe', scheme: 'http' }, `${mode}: any replica probes an address`);
    assert.deepEqual(p.spec.targets, { staticConfig: { static: ['https://kea1.site-a.example:8004/', 'https://kea2.site-a.example:8004/'], labels: { site: 'a', dc: 'dc1' } } });
    assert.deepEqual([p.spec.interval, p.spec.scrapeTimeout], ['1m', VALUES.probe.scrapeTimeout]);
    assert.equal(find(objs, 'Probe').length, 1, `${mode}: no Probe of config.targets, which is empty`);
    // The exporter takes the config the chart wrote: no targets, the module, the allow pattern.
    const config = parseConfigText(one(objs, 'ConfigMap', FULLNAME).data['config.yaml'] as string, 'config.yaml', { KEA_PASSWORD: 'x', SHARD_INDEX: '0', KEA_TELEMETRY_HASH_KEY: 'k'.repeat(32) });
    assert.deepEqual([config.targets, Object.keys(config.modules), config.probe.allow], [[], ['kea3'], ['https://kea*.site-a.example:8004/']]);
  }
  assert.match(renderError({ set: ['probe.enabled=true', ...moduleTargets, 'probe.moduleTargets[0].module=nope'] }), /module "nope" is not under config\.modules/);
  assert.match(renderError({ set: ['probe.enabled=true', ...moduleTargets.filter((s) => !s.startsWith('config.probe'))] }), /config\.probe\.allow is empty/);
  assert.match(renderError({ set: ['probe.enabled=true', ...moduleTargets, 'probe.moduleTargets[0].name=0'] }), /moduleTargets/);
});

/** The rendered PrometheusRule's alerts by name. */
const alertsOf = (set: string[]): Map<string, Obj> => {
  const rule = one(validated(render({ set: ['prometheusRule.enabled=true', ...set] })), 'PrometheusRule', FULLNAME);
  return new Map((rule.spec.groups as Obj[]).flatMap((g) => (g.rules as Obj[]).filter((r) => r.alert).map((r) => [r.alert as string, r])));
};

test('PrometheusRule: an alert can be disabled; for, severity and labels overridden; labels added to every alert', () => {
  const all = alertsOf([]);
  assert.deepEqual([...all.keys()], ALERTS.map((a) => a.alert));
  const off = alertsOf(['prometheusRule.rules.KeaConfigChanged.enabled=false']);
  assert.deepEqual([...off.keys()], ALERTS.map((a) => a.alert).filter((a) => a !== 'KeaConfigChanged'));

  const changed = alertsOf([
    'prometheusRule.rules.KeaDaemonDown.for=7m',
    'prometheusRule.rules.KeaDaemonDown.severity=page',
    'prometheusRule.rules.KeaDaemonDown.labels.team=dhcp',
    'prometheusRule.rules.KeaDaemonRestarted.for=5m',
    'prometheusRule.additionalRuleLabels.team=network',
    'prometheusRule.additionalRuleLabels.site=dc1',
  ]);
  const down = changed.get('KeaDaemonDown')!;
  const source = ALERTS.find((a) => a.alert === 'KeaDaemonDown')!;
  assert.equal(down.for, '7m');
  assert.deepEqual(down.labels, { severity: 'page', team: 'dhcp', site: 'dc1' }, "the alert's own labels win over additionalRuleLabels");
  assert.equal(down.expr, source.expr);
  assert.equal(changed.get('KeaDaemonRestarted')!.for, '5m', 'an alert without `for` gets one');
  for (const [name, a] of changed) {
    if (name === 'KeaDaemonDown') continue;
    const orig = ALERTS.find((x) => x.alert === name)!;
    assert.deepEqual(a.labels, { ...orig.labels, team: 'network', site: 'dc1' }, name);
    if (name !== 'KeaDaemonRestarted') assert.equal(a.for, orig.for, name);
  }
  // A group whose alerts are all disabled is left out (an empty group is no use to anyone).
  const exporter = (RULES.groups as Obj[]).find((g) => g.name === 'kea-telemetry.exporter')!;
  const groups = one(render({ set: ['prometheusRule.enabled=true', ...(exporter.rules as Obj[]).map((r) => `prometheusRule.rules.${r.alert}.enabled=false`)] }), 'PrometheusRule').spec.groups as Obj[];
  assert.ok(!groups.some((g) => g.name === exporter.name));
  assert.equal(groups.length, (RULES.groups as Obj[]).length - 1);
  // Names are the rules file's: a misspelt one is refused, naming it.
  assert.match(renderError({ set: ['prometheusRule.rules.KeaDeamonDown.enabled=false'] }), /Additional property KeaDeamonDown is not allowed/);
  assert.match(renderError({ set: ['prometheusRule.rules.KeaDaemonDown.for=5 minutes'] }), /prometheusRule\.rules\.KeaDaemonDown\.for/);
});

test('PrometheusRule: every alert has runbook_url = runbookBaseUrl#<alert name in lower case>; labels of the object', () => {
  const base = VALUES.prometheusRule.runbookBaseUrl as string;
  for (const [name, a] of alertsOf([])) assert.equal(a.annotations.runbook_url, `${base}#${name.toLowerCase()}`);
  const own = 'https://wiki.example/kea/alerts';
  const objs = render({ set: ['prometheusRule.enabled=true', `prometheusRule.runbookBaseUrl=${own}`, 'prometheusRule.additionalLabels.release=kps'] });
  assert.equal(one(objs, 'PrometheusRule').metadata.labels.release, 'kps');
  for (const a of (one(objs, 'PrometheusRule').spec.groups as Obj[]).flatMap((g) => g.rules as Obj[]).filter((r) => r.alert)) {
    assert.equal(a.annotations.runbook_url, `${own}#${(a.alert as string).toLowerCase()}`);
    assert.ok(a.annotations.runbook, `${a.alert}: the first steps stay beside the link`);
  }
  assert.match(renderError({ set: [`prometheusRule.runbookBaseUrl=${own}#x`] }), /runbookBaseUrl/);
});
