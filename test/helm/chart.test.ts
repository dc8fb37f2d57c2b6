// The Helm chart (helm/kea-telemetry): lint, render every ci/ scenario, validate each object
// against the Kubernetes schemas, and check what the exporter needs from the rendered pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  CI_VALUES, exporterContainer, find, helm, NAMESPACE, one, RELEASE, render, renderError, validateObject, workload,
  type Obj, type RenderOptions,
} from './helm.js';
import { HELM_VERSION } from './helm-binary.js';
import { CHART_DIR, ROOT, staleCopies } from './sync.js';

const FULLNAME = `${RELEASE}-kea-telemetry`;
const CHART = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Obj;
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const RULES_FILE = join(ROOT, 'dashboards/prometheus/kea-telemetry.rules.yml');
const DASHBOARDS_DIR = join(ROOT, 'dashboards/grafana');

interface Scenario { name: string; options: RenderOptions; values: Obj; objects: Obj[] }

/** Chart defaults merged with a values file (maps merge, lists replace, as Helm does). */
function effectiveValues(files: string[]): Obj {
  const merge = (a: Obj, b: Obj): Obj => {
    const out: Obj = { ...a };
    for (const [k, v] of Object.entries(b)) {
      out[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' && !Array.isArray(a[k]) ? merge(a[k], v) : v;
    }
    return out;
  };
  return files.reduce((acc, f) => merge(acc, parse(readFileSync(f, 'utf8')) as Obj), parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Obj);
}

const SCENARIOS: Scenario[] = [
  { name: 'default values', files: [] as string[] },
  ...CI_VALUES.map((f) => ({ name: `ci/${basename(f)}`, files: [f] })),
].map(({ name, files }) => {
  const options = { values: files };
  return { name, options, values: effectiveValues(files), objects: render(options) };
});
const scenario = (file: string): Scenario => {
  const s = SCENARIOS.find((x) => x.name === `ci/${file}`);
  if (!s) throw new Error(`no scenario ci/${file}`);
  return s;
};

const envNames = (objs: Obj[]): string[] => ((exporterContainer(objs).env ?? []) as Obj[]).map((e) => e.name as string);
/** The generated key the pods get as KEA_TELEMETRY_HASH_KEY. */
const hashKey = (objs: Obj[]): string => Buffer.from(one(objs, 'Secret', `${FULLNAME}-hash-key`).data['hash-key'] as string, 'base64').toString('utf8');
const configText = (objs: Obj[]): string => one(objs, 'ConfigMap', FULLNAME).data['config.yaml'] as string;
const podSpec = (objs: Obj[]): Obj => workload(objs).spec.template.spec;
const matches = (selector: Obj, labels: Obj | undefined): boolean =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** `kea-telemetry --check-config --syntax-only` on a rendered config.yaml, from source (no build
 * needed); --syntax-only: the TLS files it names are mounted in the pod, not here. */
function checkConfig(text: string, env: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kea-telemetry-chart-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, text);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), '--check-config', '--syntax-only', '--config', file], {
      cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`helm is Helm ${HELM_VERSION}, the newest Helm 3 a registry package ships (helm-binary.ts)`, () => {
  const r = helm(['version', '--short']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`v${HELM_VERSION}+`), r.stdout);
});

test('Chart.yaml: apiVersion v2, appVersion is package.json version', () => {
  assert.equal(CHART.apiVersion, 'v2');
  assert.equal(CHART.appVersion, PACKAGE.version);
});

test('files/ copies of the rules and dashboards are current (else: npm run helm:sync)', () => {
  assert.deepEqual(staleCopies(), [], 'stale chart copies: run npm run helm:sync');
});

test('helm lint --strict: defaults and every ci/ scenario', () => {
  assert.ok(CI_VALUES.length >= 4, `ci scenarios: ${CI_VALUES.join(', ')}`);
  for (const s of SCENARIOS) {
    const r = helm(['lint', '--strict', CHART_DIR, ...(s.options.values ?? []).flatMap((f) => ['--values', f])]);
    assert.equal(r.status, 0, `${s.name}:\n${r.stdout}${r.stderr}`);
  }
});

for (const s of SCENARIOS) {
  test(`${s.name}: every object passes its Kubernetes schema`, () => {
    assert.ok(s.objects.length > 0);
    for (const o of s.objects) validateObject(o);
    const keys = s.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], 'duplicate objects');
    for (const o of s.objects) assert.equal(o.metadata.namespace, NAMESPACE, `${o.kind}/${o.metadata.name} namespace`);
  });

  test(`${s.name}: pods, services and monitors fit together`, () => {
    const objs = s.objects;
    const w = workload(objs);
    const labels = w.spec.template.metadata.labels;
    assert.ok(matches(w.spec.selector.matchLabels, labels), 'workload selector matches its pods');
    assert.equal(w.spec.replicas, s.values.replicas);
    const container = exporterContainer(objs);
    assert.match(container.image, new RegExp(`:${CHART.appVersion}$`));
    assert.deepEqual(container.args.slice(0, 2), ['--config', '/etc/kea-telemetry/config.yaml']);
    const metrics = (container.ports as Obj[]).find((p) => p.name === 'metrics');
    assert.equal(metrics?.containerPort, 9547);
    const config = parse(configText(objs)) as Obj;
    assert.match(String(config.listen), /:9547$/, 'the exporter listens where the probes and Service look');

    const services = find(objs, 'Service');
    for (const svc of services) assert.ok(matches(svc.spec.selector, labels), `${svc.metadata.name} selects the pods`);
    const main = one(objs, 'Service', FULLNAME);
    assert.deepEqual(main.spec.ports[0], { name: 'metrics', port: 9547, targetPort: 'metrics', protocol: 'TCP' });

    // Every mount names a volume of the pod; the config volume is the chart's ConfigMap.
    const spec = podSpec(objs);
    const volumes = new Set((spec.volumes as Obj[]).map((v) => v.name));
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])] as Obj[]) {
      for (const m of (c.volumeMounts ?? []) as Obj[]) assert.ok(volumes.has(m.name), `${c.name} mounts unknown volume ${m.name}`);
    }
    const configMaps = new Set(find(objs, 'ConfigMap').map((c) => c.metadata.name));
    for (const v of spec.volumes as Obj[]) {
      if (v.configMap) assert.ok(configMaps.has(v.configMap.name), `volume ${v.name}: ConfigMap ${v.configMap.name} is rendered`);
    }
    for (const probe of ['livenessProbe', 'readinessProbe']) assert.equal(container[probe].httpGet.port, 'metrics');
    assert.equal(container.livenessProbe.httpGet.path, '/-/healthy');
    assert.equal(container.readinessProbe.httpGet.path, '/-/ready');

    for (const sm of find(objs, 'ServiceMonitor')) {
      const selected = services.filter((svc) => matches(sm.spec.selector.matchLabels, svc.metadata.labels));
      assert.deepEqual(selected.map((x) => x.metadata.name), [FULLNAME], 'the ServiceMonitor scrapes the main Service only');
      assert.deepEqual(sm.spec.endpoints.map((e: Obj) => [e.port, e.path]), [['metrics', '/metrics']]);
    }
    for (const np of find(objs, 'NetworkPolicy')) assert.ok(matches(np.spec.podSelector.matchLabels, labels));
    for (const pdb of find(objs, 'PodDisruptionBudget')) assert.ok(matches(pdb.spec.selector.matchLabels, labels));
  });

  test(`${s.name}: pod security`, () => {
    const spec = podSpec(s.objects);
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.ok(spec.securityContext.runAsUser > 0);
    assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(spec.automountServiceAccountToken, false);
    const sc = exporterContainer(s.objects).securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.deepEqual(sc.capabilities.drop, ['ALL']);
    assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
    const res = exporterContainer(s.objects).resources;
    assert.ok(res.requests.cpu && res.requests.memory && res.limits.memory, 'requests and a memory limit');
  });

  if ((s.values.config?.targets ?? []).length > 0) {
    test(`${s.name}: the rendered config passes kea-telemetry --check-config`, () => {
      const env: Record<string, string> = {
        ...Object.fromEntries(Object.entries(s.values.secretEnv ?? {}).map(([k, v]) => [k, String(v)])),
        KEA_TELEMETRY_HASH_KEY: hashKey(s.objects),
      };
      const shards = s.values.mode === 'statefulset' ? s.values.replicas as number : 1;
      for (let index = 0; index < shards; index++) {
        const r = checkConfig(configText(s.objects), s.values.mode === 'statefulset' ? { ...env, SHARD_INDEX: String(index) } : env);
        assert.equal(r.status, 0, `${s.name}${shards > 1 ? ` shard ${index}` : ''}: ${r.output}`);
        assert.match(r.output, /valid/);
      }
    });
  }
}

test('default values: warns in NOTES that there is no target; lists the metrics URL and port-forward', () => {
  // helm template leaves NOTES.txt out: render it as a ConfigMap from a copy of the chart.
  const dir = mkdtempSync(join(tmpdir(), 'kea-telemetry-notes-'));
  try {
    const chart = join(dir, 'kea-telemetry');
    cpSync(CHART_DIR, chart, { recursive: true });
    const notes = readFileSync(join(chart, 'templates/NOTES.txt'), 'utf8');
    rmSync(join(chart, 'templates/NOTES.txt'));
    writeFileSync(join(chart, 'templates/_notes.tpl'), `{{- define "notes" -}}\n${notes}\n{{- end -}}\n`);
    writeFileSync(join(chart, 'templates/notes.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: notes }\ndata:\n  text: {{ include "notes" . | toJson }}\n');
    const text = (options: RenderOptions): string => one(render({ ...options, chartDir: chart }), 'ConfigMap', 'notes').data.text;
    const plain = text({});
    assert.match(plain, new RegExp(`http://${FULLNAME}\\.${NAMESPACE}\\.svc:9547/metrics`));
    assert.match(plain, new RegExp(`kubectl -n ${NAMESPACE} port-forward svc/${FULLNAME} 9547:9547`));
    assert.match(plain, /WARNING: config\.targets is empty/);
    assert.doesNotMatch(text({ values: [join(CHART_DIR, 'ci/default-values.yaml')] }), /config\.targets is empty/);
    const sharded = text({ values: [join(CHART_DIR, 'ci/statefulset-values.yaml')] });
    assert.match(sharded, /port-forward pod\/kt-kea-telemetry-0/);
    assert.doesNotMatch(sharded, /proxy and \/probe answer only/);
    assert.match(text({ values: [join(CHART_DIR, 'ci/statefulset-values.yaml')], set: ['config.proxy.enabled=true'] }), /kt-kea-telemetry-<N>\.kt-kea-telemetry-headless\.kea-mon\.svc/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checksum/config changes with the config and only with it', () => {
  const checksum = (set: string[]): string => workload(render({ set })).spec.template.metadata.annotations['checksum/config'];
  const base = checksum([]);
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.notEqual(checksum(['config.poll.interval=10s']), base);
  assert.notEqual(checksum(['config.targets[0].name=a', 'config.targets[0].url=http://kea:8000/']), base);
  assert.equal(checksum(['resources.requests.cpu=100m', 'podAnnotations.x=y']), base);
});

test('configReload: watch runs --watch-config and keeps the pods on a config change', () => {
  const objs = render({ set: ['configReload=watch'] });
  assert.ok(exporterContainer(objs).args.includes('--watch-config'));
  assert.equal(workload(objs).spec.template.metadata.annotations?.['checksum/config'], undefined);
  assert.ok(!exporterContainer(render()).args.includes('--watch-config'));
});

test('statefulset: N shards, a headless Service as serviceName, SHARD_INDEX from the pod-index label', () => {
  const objs = scenario('statefulset-values.yaml').objects;
  assert.equal(find(objs, 'Deployment').length, 0);
  const sts = one(objs, 'StatefulSet', FULLNAME);
  assert.equal(sts.spec.replicas, 3);
  const headless = one(objs, 'Service', sts.spec.serviceName);
  assert.equal(headless.spec.clusterIP, 'None');
  assert.notEqual(headless.metadata.name, FULLNAME);
  const env = (exporterContainer(objs).env as Obj[]).find((e) => e.name === 'SHARD_INDEX');
  assert.deepEqual(env?.valueFrom, { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } });
  assert.deepEqual((parse(configText(objs)) as Obj).shard, { count: 3 });
  // Before Kubernetes 1.28 there is no pod-index label: no SHARD_INDEX, the exporter takes the
  // ordinal ending the pod's HOSTNAME.
  const old = render({ values: [join(CHART_DIR, 'ci/statefulset-values.yaml')], kubeVersion: '1.27.0' });
  assert.deepEqual(envNames(old), ['KEA_TELEMETRY_HASH_KEY']);
  const r = checkConfig(configText(old), { HOSTNAME: `${FULLNAME}-2`, KEA_TELEMETRY_HASH_KEY: hashKey(old) });
  assert.equal(r.status, 0, r.output);
  // --set replicas follows through
  assert.deepEqual((parse(configText(render({ values: [join(CHART_DIR, 'ci/statefulset-values.yaml')], set: ['replicas=5'] }))) as Obj).shard, { count: 5 });
  // Deployment mode adds no shard section and no SHARD_INDEX.
  const deployment = scenario('default-values.yaml').objects;
  assert.equal((parse(configText(deployment)) as Obj).shard, undefined);
  assert.deepEqual(envNames(deployment), ['KEA_TELEMETRY_HASH_KEY']);
});

test('sidecar: the Kea container and the exporter share the socket volume the targets point into', () => {
  const s = scenario('sidecar-values.yaml');
  const spec = podSpec(s.objects);
  const mountPath = s.values.keaSockets.mountPath as string;
  const sockets = (spec.volumes as Obj[]).find((v) => v.name === 'kea-sockets');
  assert.deepEqual(sockets, { name: 'kea-sockets', emptyDir: {} });
  const mountOf = (c: Obj) => (c.volumeMounts as Obj[]).find((m) => m.name === 'kea-sockets')?.mountPath;
  const kea = (spec.containers as Obj[]).filter((c) => c.name !== 'kea-telemetry');
  assert.ok(kea.length > 0 && kea.every((c) => /kea-dhcp/.test(c.image)));
  for (const c of [exporterContainer(s.objects), ...kea]) assert.equal(mountOf(c), mountPath, `${c.name} mounts the sockets`);
  const targets = (parse(configText(s.objects)) as Obj).targets as Obj[];
  for (const t of targets) assert.ok(String(t.socket).startsWith(`${mountPath}/`), `${t.name} socket under ${mountPath}`);
  // Kea's control-socket in its ConfigMap (extraObjects, tpl-rendered name) is a target.
  const keaConfig = JSON.parse(Object.values(one(s.objects, 'ConfigMap', `${RELEASE}-kea-dhcp4`).data)[0] as string) as Obj;
  assert.ok(targets.some((t) => t.socket === keaConfig.Dhcp4['control-socket']['socket-name']));
  assert.equal(spec.securityContext.fsGroup, 1000, 'fsGroup gives the exporter the socket directory group');
  // hostPath variant
  const host = podSpec(render({ values: s.options.values!, set: ['keaSockets.type=hostPath'] }));
  assert.deepEqual((host.volumes as Obj[]).find((v) => v.name === 'kea-sockets')?.hostPath, { path: '/run/kea', type: 'Directory' });
});

test('full: Secret, envFrom, proxy port, NetworkPolicy, PDB, ServiceMonitor labels', () => {
  const s = scenario('full-values.yaml');
  const objs = s.objects;
  const secret = one(objs, 'Secret', `${FULLNAME}-env`);
  for (const [k, v] of Object.entries(s.values.secretEnv as Obj)) {
    assert.equal(Buffer.from(secret.data[k], 'base64').toString(), v);
  }
  const config = configText(objs);
  assert.match(config, /password: \$\{PROXY_PASSWORD\}/, 'the config names the variable, never the secret');
  assert.doesNotMatch(config, /change-me/);
  const container = exporterContainer(objs);
  assert.deepEqual(container.envFrom, [{ secretRef: { name: `${FULLNAME}-env` } }, { secretRef: { name: 'kea-telemetry-extra' } }]);
  assert.match(workload(objs).spec.template.metadata.annotations['checksum/secret'], /^[0-9a-f]{64}$/);
  assert.deepEqual((container.ports as Obj[]).map((p) => [p.name, p.containerPort]), [['metrics', 9547], ['proxy', 9548]]);
  assert.deepEqual(one(objs, 'Service', FULLNAME).spec.ports.map((p: Obj) => [p.name, p.port]), [['metrics', 9547], ['proxy', 9548]]);
  const np = one(objs, 'NetworkPolicy');
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(np.spec.ingress.map((r: Obj) => r.ports[0].port), ['metrics', 'proxy']);
  assert.deepEqual(np.spec.ingress[1].from, s.values.networkPolicy.ingress.proxyFrom);
  assert.ok(np.spec.egress.some((r: Obj) => r.ports?.some((p: Obj) => p.port === 53)), 'DNS allowed');
  assert.deepEqual(one(objs, 'PodDisruptionBudget').spec.minAvailable, 1);
  assert.equal(one(objs, 'PodDisruptionBudget').spec.maxUnavailable, undefined);
  assert.equal(one(objs, 'ServiceMonitor').metadata.labels.release, 'kube-prometheus-stack');
  assert.equal(one(objs, 'PrometheusRule').metadata.labels.release, 'kube-prometheus-stack');
  for (const o of objs.filter((x) => x.metadata.name.startsWith(FULLNAME))) assert.equal(o.metadata.labels.team, 'network', `commonLabels on ${o.kind}`);
  // Egress closed by default, NetworkPolicy off by default.
  assert.deepEqual(one(render({ set: ['networkPolicy.enabled=true'] }), 'NetworkPolicy').spec.policyTypes, ['Ingress']);
  assert.equal(find(scenario('default-values.yaml').objects, 'NetworkPolicy').length, 0);
});

test('PrometheusRule: the groups of dashboards/prometheus/kea-telemetry.rules.yml, clean for promtool', () => {
  const rule = one(scenario('full-values.yaml').objects, 'PrometheusRule', FULLNAME);
  const source = parse(readFileSync(RULES_FILE, 'utf8')) as Obj;
  assert.deepEqual(rule.spec.groups, source.groups);
  // promtool (scripts/test.sh installs it) on what the operator will load.
  const dir = mkdtempSync(join(tmpdir(), 'kea-telemetry-rule-'));
  try {
    const file = join(dir, 'rules.yml');
    writeFileSync(file, stringify({ groups: rule.spec.groups }));
    let out: string;
    try {
      out = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      assert.fail(`promtool check rules failed (scripts/test.sh installs promtool): ${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
    assert.match(out, /SUCCESS: \d+ rules found/);
    assert.doesNotMatch(out, /WARNING|FAILED/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // extraGroups are appended.
  const extra = one(render({ set: ['prometheusRule.enabled=true', 'prometheusRule.extraGroups[0].name=mine', 'prometheusRule.extraGroups[0].rules[0].record=x:y', 'prometheusRule.extraGroups[0].rules[0].expr=vector(1)'] }), 'PrometheusRule');
  assert.deepEqual(extra.spec.groups.map((g: Obj) => g.name), [...source.groups.map((g: Obj) => g.name), 'mine']);
});

test('dashboards ConfigMap: every dashboard, byte for byte, with the sidecar label', () => {
  const cm = one(scenario('full-values.yaml').objects, 'ConfigMap', `${FULLNAME}-dashboards`);
  assert.equal(cm.metadata.labels.grafana_dashboard, '1');
  assert.equal(cm.metadata.annotations.grafana_folder, 'Kea');
  const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(Object.keys(cm.data).sort(), files);
  for (const f of files) assert.equal(cm.data[f], readFileSync(join(DASHBOARDS_DIR, f), 'utf8'), f);
  const custom = one(render({ set: ['dashboards.enabled=true', 'dashboards.label=my_dashboards', 'dashboards.labelValue=kea'] }), 'ConfigMap', `${FULLNAME}-dashboards`);
  assert.equal(custom.metadata.labels.my_dashboards, 'kea');
  assert.equal(custom.metadata.labels.grafana_dashboard, undefined);
});

test('values.schema.json and the templates refuse bad values', () => {
  const schema = (what: string) => new RegExp(`values don't meet the specifications of the schema[\\s\\S]*${what}`);
  const cases: [string[], RegExp][] = [
    [['mode=bogus'], schema('mode must be one of the following: "deployment", "statefulset"')],
    [['replicas=0'], schema('replicas: Must be greater than or equal to 1')],
    [['serviceMonitors.enabled=true'], schema('Additional property serviceMonitors is not allowed')],
    [['keaSockets.type=nfs'], schema('keaSockets.type')],
    [['image.pullPolicy=Sometimes'], schema('image.pullPolicy')],
    [['config.targets[0].url=http://x/'], schema('name is required')],
    [['config.listen=0.0.0.0:9999'], /config\.listen .* must use port 9547/],
    [['mode=statefulset', 'replicas=2', 'config.shard.index=0'], /shard\.index must not be set/],
    [['mode=statefulset', 'replicas=2', 'config.shard.count=3'], /differs from replicas/],
  ];
  for (const [set, message] of cases) assert.match(renderError({ set }), message, set.join(' '));
  // IPv6 listen on the chart's port is fine.
  assert.equal((parse(configText(render({ set: ['config.listen=[::]:9547'] }))) as Obj).listen, '[::]:9547');
});

test('hash key: one generated Secret for every replica, kept on uninstall, or the operator\'s own', () => {
  const objs = scenario('statefulset-values.yaml').objects;
  const secret = one(objs, 'Secret', `${FULLNAME}-hash-key`);
  assert.equal(secret.metadata.annotations['helm.sh/resource-policy'], 'keep');
  assert.match(hashKey(objs), /^[A-Za-z0-9]{48}$/);
  const ref = (o: Obj[]) => ((exporterContainer(o).env as Obj[]).find((e) => e.name === 'KEA_TELEMETRY_HASH_KEY')!.valueFrom as Obj).secretKeyRef;
  assert.deepEqual(ref(objs), { name: `${FULLNAME}-hash-key`, key: 'hash-key' });
  // Every shard's config is valid only with it (the exporter requires one key when sharded).
  assert.notEqual(checkConfig(configText(objs), { SHARD_INDEX: '0' }).status, 0);
  const own = render({ values: [join(CHART_DIR, 'ci/statefulset-values.yaml')], set: ['hashKey.existingSecret=site-hash', 'hashKey.secretKey=k'] });
  assert.equal(find(own, 'Secret').filter((o) => o.metadata.name === `${FULLNAME}-hash-key`).length, 0);
  assert.deepEqual(ref(own), { name: 'site-hash', key: 'k' });
});
