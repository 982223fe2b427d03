/**
 * `npm run k8s:check`: the Kubernetes manifests checked offline.
 * 1. Every overlay (k8s/overlays/*) and the base built with `kubectl kustomize`.
 * 2. Every object validated against the Kubernetes API schemas (kubernetes-models: types, required
 *    fields, formats) and, through TypeScript's excess-property check on the same models' types,
 *    refused when it has a field Kubernetes does not know (a misspelt probe is otherwise silently
 *    dropped by the API server).
 * 3. What the deployment promises (docs/deployment.md): resources, probes on declared ports,
 *    non-root read-only containers, Services and autoscalers that find their pods, ConfigMaps that
 *    exist, Secrets referenced but never rendered, and the NetworkPolicies: only Kong reaches the API
 *    and the dashboard, only the gateway's pods reach NATS, Redis and Postgres.
 * Usage: tsx scripts/deploy-checks/k8s-check.ts [overlay directory…]
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { Report, root, runTool } from './report.ts';

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}
interface Port {
  name?: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { port: string | number };
  tcpSocket?: { port: string | number };
  exec?: unknown;
}
interface Container {
  name: string;
  image?: string;
  ports?: Port[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string }; configMapKeyRef?: { name: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
}
interface Workload {
  kind: string;
  name: string;
  labels: Labels;
  pod: PodSpec;
}
interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}

const checksDirectory = dirname(fileURLToPath(import.meta.url));
/** The Secrets the manifests may reference (docs/deployment.md says how to create them). */
const documentedSecrets = new Set(['llm-gateway-secrets', 'llm-gateway-provider-keys', 'llm-gateway-postgres']);
/** The gateway's own workloads: the only clients NATS, Redis and Postgres accept. */
const gatewayWorkloads = new Set(['api', 'router', 'ledger', 'cache', 'guardrail', 'admin', 'kong']);
const monitoringNamespace = 'monitoring';

const report = new Report('k8s:check');
const overlays = process.argv.length > 2 ? process.argv.slice(2).map((path) => resolve(path)) : readdirSync(join(root, 'k8s/overlays')).map((name) => join(root, 'k8s/overlays', name));

const version = runTool('kubectl', ['version', '--client'], 'kubectl with kustomize v5: the node image ships it');
const kustomizeVersion = /Kustomize Version: v(\d+)/.exec(version.output)?.[1];
report.check('kubectl with kustomize v5 or newer', version.problems.length > 0 ? version.problems : Number(kustomizeVersion) >= 5 ? [] : [`kustomize ${kustomizeVersion ?? 'unknown'} is too old`]);

function build(directory: string): { objects: K8sObject[]; problems: string[] } {
  const result = runTool('kubectl', ['kustomize', directory], 'kubectl');
  if (result.problems.length > 0) return { objects: [], problems: result.problems };
  const documents = parseAllDocuments(result.output);
  const problems = documents.flatMap((document) => document.errors.map((error) => error.message));
  return { objects: documents.map((document) => document.toJS() as K8sObject).filter(Boolean), problems };
}

const base = build(join(root, 'k8s/base'));
report.check('kubectl kustomize k8s/base', base.problems);

function modelPath(object: K8sObject): string {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
}

async function schemaProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata?.name}`;
    let model: Record<string, new (data: unknown) => { validate(): void }>;
    try {
      model = (await import(modelPath(object))) as typeof model;
    } catch {
      problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    const Model = model[object.kind];
    if (!Model) {
      problems.push(`${where}: no model ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

/** Unknown fields: each object as a typed literal, checked by TypeScript against the model's interface. */
function unknownFieldProblems(objects: K8sObject[]): string[] {
  const fileName = join(checksDirectory, '__rendered-objects__.ts');
  const starts: { offset: number; where: string }[] = [];
  let source = '';
  objects.forEach((object, index) => {
    source += `import type { I${object.kind} as Type${index} } from '${modelPath(object)}';\n`;
  });
  objects.forEach((object, index) => {
    starts.push({ offset: source.length, where: `${object.kind}/${object.metadata?.name}` });
    source += `export const object${index}: Type${index} = ${JSON.stringify(object, null, 1)};\n`;
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    resolve(name) === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    const owner = [...starts].reverse().find((start) => (diagnostic.start ?? 0) >= start.offset);
    return `${owner?.where ?? 'imports'}: ${message}`;
  });
}

function matches(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
    }
  });
  return byLabels && byExpressions;
}

function workloadsOf(objects: K8sObject[]): Workload[] {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'StatefulSet')
    .map((object) => {
      const template = (object.spec?.template ?? {}) as { metadata?: { labels?: Labels }; spec: PodSpec };
      return { kind: object.kind, name: object.metadata.name, labels: template.metadata?.labels ?? {}, pod: template.spec };
    });
}

function portExists(container: Container, port: string | number): boolean {
  return (container.ports ?? []).some((declared) => declared.name === port || declared.containerPort === port);
}

function contractProblems(objects: K8sObject[], namespace: string | undefined): Record<string, string[]> {
  const workloads = workloadsOf(objects);
  const named = (kind: string) => new Set(objects.filter((object) => object.kind === kind).map((object) => object.metadata.name));
  const configMaps = named('ConfigMap');
  const result: Record<string, string[]> = {};
  const add = (check: string, problems: string[]) => (result[check] = [...(result[check] ?? []), ...problems]);

  add('every object in the overlay\'s namespace', objects.filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespace).map((object) => `${object.kind}/${object.metadata.name} is in ${object.metadata.namespace ?? 'no namespace'}`));
  add('no Secret is rendered (they are created apart, never committed)', objects.filter((object) => object.kind === 'Secret').map((object) => `Secret/${object.metadata.name}`));

  for (const workload of workloads) {
    const where = `${workload.kind}/${workload.name}`;
    const pod = workload.pod;
    const security: string[] = [];
    if (pod.securityContext?.runAsNonRoot !== true) security.push(`${where}: pod does not set runAsNonRoot`);
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') security.push(`${where}: no RuntimeDefault seccomp profile`);
    for (const container of pod.containers) {
      const at = `${where} container ${container.name}`;
      const context = container.securityContext;
      if (context?.readOnlyRootFilesystem !== true) security.push(`${at}: root filesystem is writable`);
      if (context?.allowPrivilegeEscalation !== false) security.push(`${at}: privilege escalation allowed`);
      if (!context?.capabilities?.drop?.includes('ALL')) security.push(`${at}: capabilities not dropped`);
      add('resources: requests and a memory limit on every container', [
        ...(container.resources?.requests?.cpu && container.resources.requests.memory ? [] : [`${at}: no cpu and memory requests`]),
        ...(container.resources?.limits?.memory ? [] : [`${at}: no memory limit`]),
      ]);
      const probes = (['readinessProbe', 'livenessProbe', 'startupProbe'] as const).flatMap((kind) => {
        const probe = container[kind];
        if (!probe) return kind === 'startupProbe' ? [] : [`${at}: no ${kind}`];
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
        return port !== undefined && !portExists(container, port) ? [`${at}: ${kind} asks port ${port}, which the container does not declare`] : [];
      });
      add('readiness and liveness probes on declared ports', probes);
      add('images pinned (a tag, never latest)', container.image && /:[^/]+$/.test(container.image) && !container.image.endsWith(':latest') ? [] : [`${at}: image ${container.image} has no pinned tag`]);
      const secrets = [...(container.env ?? []).map((variable) => variable.valueFrom?.secretKeyRef?.name), ...(container.envFrom ?? []).map((source) => source.secretRef?.name)].filter(
        (name): name is string => Boolean(name),
      );
      add('Secrets referenced are the documented ones', secrets.filter((name) => !documentedSecrets.has(name)).map((name) => `${at}: references Secret ${name}`));
      const maps = [...(container.env ?? []).map((variable) => variable.valueFrom?.configMapKeyRef?.name), ...(container.envFrom ?? []).map((source) => source.configMapRef?.name)].filter(
        (name): name is string => Boolean(name),
      );
      add('ConfigMaps referenced exist', maps.filter((name) => !configMaps.has(name)).map((name) => `${at}: ConfigMap ${name} is not in the build`));
    }
    add('non-root, read-only containers (pod and container securityContext)', security);
    add('ConfigMaps referenced exist', (pod.volumes ?? []).filter((volume) => volume.configMap && !configMaps.has(volume.configMap.name)).map((volume) => `${where}: volume ${volume.name} wants ConfigMap ${volume.configMap!.name}`));
  }

  for (const service of objects.filter((object) => object.kind === 'Service')) {
    const spec = service.spec as { selector?: Labels; ports?: { name?: string; targetPort?: string | number; port: number }[]; type?: string; externalName?: string };
    if (spec.type === 'ExternalName') continue;
    const selected = workloads.filter((workload) => matches({ matchLabels: spec.selector ?? {} }, workload.labels) && Object.keys(spec.selector ?? {}).length > 0);
    add(
      'Services select pods that serve their target ports',
      selected.length === 0
        ? [`Service/${service.metadata.name} selects no pods`]
        : (spec.ports ?? [])
            .filter((port) => !selected.some((workload) => workload.pod.containers.some((container) => portExists(container, port.targetPort ?? port.port))))
            .map((port) => `Service/${service.metadata.name}: no selected pod serves ${port.targetPort ?? port.port}`),
    );
  }
  for (const hpa of objects.filter((object) => object.kind === 'HorizontalPodAutoscaler')) {
    const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    add('autoscalers and disruption budgets find their workloads', workloads.some((workload) => workload.kind === target.kind && workload.name === target.name) ? [] : [`HorizontalPodAutoscaler/${hpa.metadata.name}: no ${target.kind}/${target.name}`]);
  }
  for (const budget of objects.filter((object) => object.kind === 'PodDisruptionBudget')) {
    const selector = (budget.spec as { selector: Selector }).selector;
    add('autoscalers and disruption budgets find their workloads', workloads.some((workload) => matches(selector, workload.labels)) ? [] : [`PodDisruptionBudget/${budget.metadata.name} selects no pods`]);
  }

  // NetworkPolicies: who may connect to each workload.
  const policies = objects.filter((object) => object.kind === 'NetworkPolicy') as (K8sObject & {
    spec: { podSelector: Selector; policyTypes?: string[]; ingress?: { from?: PolicyPeer[] }[] };
  })[];
  const network: string[] = [];
  const denyAll = policies.some((policy) => Object.keys(policy.spec.podSelector).length === 0 && policy.spec.policyTypes?.includes('Ingress') && (policy.spec.ingress ?? []).length === 0);
  if (!denyAll) network.push('no default-deny ingress policy');
  const peersOf = (workload: Workload) => {
    const peers = { workloads: new Set<string>(), namespaces: new Set<string>(), anyone: false };
    for (const policy of policies.filter((candidate) => matches(candidate.spec.podSelector, workload.labels))) {
      for (const rule of policy.spec.ingress ?? []) {
        if (!rule.from || rule.from.length === 0) peers.anyone = true;
        for (const peer of rule.from ?? []) {
          if (peer.ipBlock) peers.anyone = true;
          else if (peer.namespaceSelector) peers.namespaces.add(JSON.stringify(peer.namespaceSelector.matchLabels ?? peer.namespaceSelector));
          else for (const source of workloads.filter((candidate) => matches(peer.podSelector, candidate.labels))) peers.workloads.add(source.name);
        }
      }
    }
    return peers;
  };
  const onlyMonitoring = (namespaces: Set<string>) => [...namespaces].filter((selector) => selector !== JSON.stringify({ 'kubernetes.io/metadata.name': monitoringNamespace }));
  for (const target of ['api', 'admin']) {
    const workload = workloads.find((candidate) => candidate.name === target);
    if (!workload) {
      network.push(`no ${target} workload`);
      continue;
    }
    const peers = peersOf(workload);
    if (peers.anyone) network.push(`${target} is open to any source`);
    const others = [...peers.workloads].filter((name) => name !== 'kong');
    if (others.length > 0) network.push(`${target} is reachable from ${others.join(', ')} (only Kong may)`);
    if (!peers.workloads.has('kong')) network.push(`Kong cannot reach ${target}`);
    network.push(...onlyMonitoring(peers.namespaces).map((selector) => `${target} is reachable from namespaces ${selector}`));
  }
  for (const target of ['nats', 'redis', 'postgres']) {
    const workload = workloads.find((candidate) => candidate.name === target);
    if (!workload) continue;
    const peers = peersOf(workload);
    if (peers.anyone) network.push(`${target} is open to any source`);
    const strangers = [...peers.workloads].filter((name) => !gatewayWorkloads.has(name) && name !== target);
    if (strangers.length > 0) network.push(`${target} is reachable from ${strangers.join(', ')}`);
    network.push(...onlyMonitoring(peers.namespaces).map((selector) => `${target} is reachable from namespaces ${selector}`));
    const clients = workloads.filter((candidate) => candidate.labels[`llm-gateway.io/${target}-client`] === 'true').map((candidate) => candidate.name);
    const cut = clients.filter((name) => !peers.workloads.has(name));
    if (cut.length > 0) network.push(`${cut.join(', ')} use ${target} but may not reach it`);
  }
  add('NetworkPolicies: only Kong reaches the API and the dashboard; only the gateway reaches NATS, Redis, Postgres', network);
  return result;
}

for (const overlay of overlays) {
  const name = relative(root, overlay);
  console.log(`overlay ${name}`);
  const { objects, problems } = build(overlay);
  report.check(`kubectl kustomize ${name}`, problems);
  if (problems.length > 0) continue;
  const namespace = objects.find((object) => object.kind === 'Namespace')?.metadata.name;
  report.check(`${name}: ${objects.length} objects valid against the Kubernetes schemas (kubernetes-models)`, await schemaProblems(objects));
  report.check(`${name}: no field Kubernetes does not know (TypeScript excess-property check on the models' types)`, unknownFieldProblems(objects));
  for (const [check, problems] of Object.entries(contractProblems(objects, namespace))) report.check(`${name}: ${check}`, problems);
}

report.finish();
