// The helm binary (helm-binary.ts), rendering the chart, and checking the
// rendered objects against the Kubernetes and Prometheus Operator schemas (kubernetes-models).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { helmBinary } from './helm-binary.js';
import { CHART_DIR } from './sync.js';

// Rendered objects are checked field by field; any keeps those checks readable.
export type Obj = Record<string, any>;

const HELM = helmBinary();
// Its own config, cache and data directories: no user's repositories or plugins, no cluster.
const HELM_HOME = mkdtempSync(join(tmpdir(), 'kea-telemetry-helm-'));
const HELM_ENV = {
  ...process.env,
  HELM_CACHE_HOME: join(HELM_HOME, 'cache'),
  HELM_CONFIG_HOME: join(HELM_HOME, 'config'),
  HELM_DATA_HOME: join(HELM_HOME, 'data'),
  KUBECONFIG: join(HELM_HOME, 'no-kubeconfig'),
};

export interface HelmResult { status: number | null; stdout: string; stderr: string }

export function helm(args: string[]): HelmResult {
  const r = spawnSync(HELM, args, { encoding: 'utf8', env: HELM_ENV, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const RELEASE = 'kt';
export const NAMESPACE = 'kea-mon';

/** The cluster version helm template assumes unless told (it has no cluster to ask). */
export const KUBE_VERSION = '1.30.0';

/** `--values` and `--set` options for one rendering. */
export interface RenderOptions { values?: string[]; set?: string[]; chartDir?: string; kubeVersion?: string }

function templateArgs(o: RenderOptions): string[] {
  return [
    'template', RELEASE, o.chartDir ?? CHART_DIR, '--namespace', NAMESPACE, '--kube-version', o.kubeVersion ?? KUBE_VERSION,
    ...(o.values ?? []).flatMap((f) => ['--values', f]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ];
}

/** helm template's objects; throws with helm's message when it fails. */
export function render(o: RenderOptions = {}): Obj[] {
  const r = helm(templateArgs(o));
  if (r.status !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`helm template printed invalid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as Obj | null;
    return value === null ? [] : [value];
  });
}

/** helm template's error output, for renderings that must fail. */
export function renderError(o: RenderOptions): string {
  const r = helm(templateArgs(o));
  if (r.status === 0) throw new Error(`helm template succeeded, expected a failure (${JSON.stringify(o)})`);
  return r.stderr;
}

export const CI_VALUES: string[] = readdirSync(join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort()
  .map((f) => join(CHART_DIR, 'ci', f));

type ModelClass = new (data: unknown) => { validate(): void };
const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
  'monitoring.coreos.com/v1': monitoring,
};

/** Validates one object with the kubernetes-models class of its apiVersion and kind; unknown
 * kinds fail. (The schemas check types, required fields, enums and formats, not unknown keys.) */
export function validateObject(o: Obj): void {
  const where = `${o.apiVersion}/${o.kind} ${o.metadata?.name}`;
  const Model = MODELS[String(o.apiVersion)]?.[String(o.kind)];
  if (typeof Model !== 'function') throw new Error(`${where}: no kubernetes-models class for this apiVersion and kind`);
  try {
    new (Model as ModelClass)(o).validate();
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

export function find(objs: Obj[], kind: string, name?: string): Obj[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

export function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = find(objs, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

/** The Deployment or StatefulSet. */
export function workload(objs: Obj[]): Obj {
  const w = objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  if (w.length !== 1) throw new Error(`expected one Deployment or StatefulSet, found ${w.length}`);
  return w[0]!;
}

export function exporterContainer(objs: Obj[]): Obj {
  const c = (workload(objs).spec.template.spec.containers as Obj[]).find((x) => x.name === 'kea-telemetry');
  if (!c) throw new Error('no kea-telemetry container');
  return c;
}
