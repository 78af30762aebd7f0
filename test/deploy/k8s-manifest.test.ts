/**
 * deploy/k8s, checked offline: every document against the Kubernetes API schema (kubernetes-models'
 * validators, generated from the API's OpenAPI definitions), unknown fields against the same package's
 * types (the OpenAPI schema allows any extra field; the API server refuses them), the invariants a
 * distributed run depends on, the scenario through tailgate's own loader, and the entrypoint script run
 * for real with a stand-in `tailgate`.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { looksSecret } from '../../src/engine/config/index.js';
import { loadScenario } from '../../src/runner/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const K8S_DIR = resolve(HERE, '../../deploy/k8s');

type Doc = Record<string, any>;
interface Model {
  validate(): void;
}

/** Each kind deploy/k8s uses: its schema-validating model and its type (for unknown fields). */
const KINDS: Record<string, { model: new (data: Doc) => Model; types: [module: string, name: string] }> = {
  'v1/Service': { model: Service as never, types: ['kubernetes-models/v1/Service', 'IService'] },
  'v1/ConfigMap': { model: ConfigMap as never, types: ['kubernetes-models/v1/ConfigMap', 'IConfigMap'] },
  'v1/Secret': { model: Secret as never, types: ['kubernetes-models/v1/Secret', 'ISecret'] },
  'v1/PersistentVolumeClaim': { model: PersistentVolumeClaim as never, types: ['kubernetes-models/v1/PersistentVolumeClaim', 'IPersistentVolumeClaim'] },
  'batch/v1/Job': { model: Job as never, types: ['kubernetes-models/batch/v1/Job', 'IJob'] },
  'v1/Pod': { model: Pod as never, types: ['kubernetes-models/v1/Pod', 'IPod'] },
};

function kindOf(doc: Doc): string {
  return `${doc.apiVersion}/${doc.kind}`;
}

/** What the API's schema says is wrong with a document (types, enums, required fields, formats). */
function schemaProblems(doc: Doc): string[] {
  const known = KINDS[kindOf(doc)];
  if (!known) return [`${kindOf(doc)}: no model for this kind in the test; add it to KINDS`];
  try {
    new known.model(structuredClone(doc)).validate();
    return [];
  } catch (e) {
    return [`${doc.kind} ${doc.metadata?.name}: ${(e as Error).message}`];
  }
}

/**
 * Fields the API does not know. The OpenAPI schema never forbids extra properties, so a misspelt
 * field (`completionmode`) passes it; TypeScript's excess-property check on the package's types does not.
 */
function unknownFieldProblems(docs: Doc[]): string[] {
  const file = join(HERE, '__k8s_manifest_types__.ts');
  const imports = docs.map((d, i) => `import type { ${KINDS[kindOf(d)]!.types[1]} as T${i} } from '${KINDS[kindOf(d)]!.types[0]}';`);
  const decls = docs.map((d, i) => `export const doc${i}: T${i} = ${JSON.stringify(d)};`);
  const text = [...imports, ...decls].join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile: read } = host;
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : read.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const doc = docs[line - imports.length];
    return `${doc ? `${doc.kind} ${doc.metadata?.name}` : 'manifest'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

let docs: Doc[];
let typeProblems: string[];
const byKind = (kind: string): Doc[] => docs.filter((d) => d.kind === kind);
const one = (kind: string): Doc => {
  const found = byKind(kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
};
const container = (): Doc => one('Job').spec.template.spec.containers[0];
const envOf = (name: string): Doc | undefined => container().env.find((e: Doc) => e.name === name);

beforeAll(async () => {
  // deploy/k8s and its subfolders (tools/: what is applied by hand after a run).
  const files = (await readdir(K8S_DIR, { recursive: true })).filter((f) => f.endsWith('.yaml')).sort();
  docs = [];
  for (const f of files) {
    for (const d of parseAllDocuments(await readFile(join(K8S_DIR, f), 'utf8'))) {
      expect(d.errors.map(String), `${f}: YAML errors`).toEqual([]);
      const js = d.toJS() as Doc | null;
      if (js !== null) docs.push(js);
    }
  }
  typeProblems = unknownFieldProblems(docs);
}, 60_000);

describe('deploy/k8s against the Kubernetes API schema', () => {
  it('has a Service, a Job, a ConfigMap, a Secret and a PersistentVolumeClaim', () => {
    expect(docs.map(kindOf).sort()).toEqual(['batch/v1/Job', 'v1/ConfigMap', 'v1/PersistentVolumeClaim', 'v1/Pod', 'v1/Secret', 'v1/Service']);
  });

  it('every document is valid: types, enums, required fields', () => {
    expect(docs.flatMap(schemaProblems)).toEqual([]);
  });

  it('no document has a field the API does not know', () => {
    expect(typeProblems).toEqual([]);
  });

  it('bites: mutated copies are rejected, each naming what is wrong', () => {
    const job = one('Job');
    const mutate = (f: (d: Doc) => void): Doc => {
      const d = structuredClone(job);
      f(d);
      return d;
    };
    expect(schemaProblems(mutate((d) => (d.spec.completionMode = 'Sideways'))).join()).toMatch(/spec\/completionMode must be equal to one of the allowed values/);
    expect(schemaProblems(mutate((d) => (d.spec.parallelism = 'five'))).join()).toMatch(/spec\/parallelism must be integer/);
    expect(schemaProblems(mutate((d) => delete d.spec.template.spec.containers[0].name)).join()).toMatch(/containers\/0 must have required property '?name'?/);
    const service = structuredClone(one('Service'));
    service.spec.ports[0].port = 'seventy';
    expect(schemaProblems(service).join()).toMatch(/ports\/0\/port must be integer/);
    // A misspelt field passes the schema but not the types.
    const misspelt = mutate((d) => {
      d.spec.completionmode = d.spec.completionMode;
      delete d.spec.completionMode;
    });
    expect(schemaProblems(misspelt)).toEqual([]);
    expect(unknownFieldProblems([misspelt]).join()).toMatch(/completionmode\W* does not exist in type 'IJobSpec'/);
    const nested = mutate((d) => (d.spec.template.spec.containers[0].comand = ['sh']));
    expect(schemaProblems(nested)).toEqual([]);
    expect(unknownFieldProblems([nested]).join()).toMatch(/comand\W* does not exist in type 'IContainer'/);
  });
});

describe('deploy/k8s: what a distributed run relies on', () => {
  it('an Indexed Job of N + 1 pods, N = SHARDS: pod 0 coordinates, 1..N are the shards', () => {
    const job = one('Job');
    const shards = Number(envOf('SHARDS')?.value);
    expect(shards).toBeGreaterThanOrEqual(1);
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(shards + 1);
    expect(job.spec.parallelism).toBe(shards + 1);
  });

  it('never retried, bounded in time, its status the verdict', () => {
    const spec = one('Job').spec;
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.spec.restartPolicy).toBe('Never');
    expect(spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(spec.podFailurePolicy.rules[0]).toMatchObject({ action: 'FailJob', onExitCodes: { containerName: container().name, operator: 'NotIn', values: [0] } });
  });

  it('pod 0 is reachable as <job>-0.<service>: a headless Service selecting the pods, the pods under its subdomain', () => {
    const job = one('Job');
    const service = one('Service');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.selector).toBeTruthy();
    expect(job.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(job.spec.template.spec.subdomain).toBe(service.metadata.name);
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'coordinator', port: 7070 }));
    expect(container().ports).toContainEqual(expect.objectContaining({ containerPort: 7070 }));
    expect(envOf('TAILGATE_COORDINATOR')?.value).toBe(`http://${job.metadata.name}-0.${service.metadata.name}:7070`);
  });

  it('one core per pod', () => {
    const { requests, limits } = container().resources;
    expect(String(requests.cpu)).toBe('1');
    expect(String(limits.cpu)).toBe('1');
    expect(limits.memory).toBeTruthy();
  });

  it('the scenario and the script from the ConfigMap at /scenario; reports to the claim at /reports', () => {
    const pod = one('Job').spec.template.spec;
    const cm = one('ConfigMap');
    expect(Object.keys(cm.data).sort()).toEqual(['entrypoint.sh', 'export', 'scenario.yaml']);
    const mountOf = (volume: Doc) => container().volumeMounts.find((m: Doc) => m.name === volume.name)?.mountPath;
    const scenarioVolume = pod.volumes.find((v: Doc) => v.configMap?.name === cm.metadata.name);
    expect(mountOf(scenarioVolume)).toBe('/scenario');
    const claim = one('PersistentVolumeClaim');
    expect(claim.metadata.name).toBe('tailgate-reports');
    // One pod template: every pod mounts the claim, so it must attach on several nodes at once.
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(mountOf(pod.volumes.find((v: Doc) => v.persistentVolumeClaim?.claimName === claim.metadata.name))).toBe('/reports');
    expect(container().command.join(' ')).toContain('/scenario/entrypoint.sh');
  });

  it('the report reader mounts the same claim, and the Service does not select it', () => {
    const reader = one('Pod');
    expect(reader.spec.volumes.map((v: Doc) => v.persistentVolumeClaim?.claimName)).toContain(one('PersistentVolumeClaim').metadata.name);
    const selector = Object.entries<string>(one('Service').spec.selector);
    expect(selector.every(([k, v]) => reader.metadata.labels[k] === v)).toBe(false);
  });

  it('the API key comes from the Secret through the environment, and no secret is in the ConfigMap', () => {
    const secret = one('Secret');
    expect(secret.metadata.name).toBe('tailgate-api-keys');
    const refs = container().env.filter((e: Doc) => e.valueFrom?.secretKeyRef);
    expect(refs.length).toBeGreaterThan(0);
    for (const e of refs) {
      expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData ?? secret.data)).toContain(e.valueFrom.secretKeyRef.key);
    }
    const values = [...Object.values<string>(secret.stringData ?? {}), ...Object.values<string>(secret.data ?? {}).map((v) => Buffer.from(v, 'base64').toString())];
    expect(values.every((v) => /REPLACE|example|placeholder/i.test(v)), 'the Secret holds a placeholder, never a key').toBe(true);
    const configText = JSON.stringify(docs.filter((d) => d.kind !== 'Secret'));
    for (const v of values) expect(configText).not.toContain(v);
  });
});

describe('deploy/k8s: the scenario and the entrypoint, run here', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tailgate-k8s-'));
    const cm = one('ConfigMap');
    for (const [name, text] of Object.entries<string>(cm.data)) await writeFile(join(dir, name), text);
    // The stand-in tailgate: prints its arguments, one a line, and exits as told.
    await writeFile(join(dir, 'tailgate'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\nexit "${FAKE_EXIT:-0}"\n');
    await chmod(join(dir, 'tailgate'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loads with tailgate’s own loader: a real target, gate thresholds, the key from the Secret’s variable', async () => {
    const variable = container().env.find((e: Doc) => e.valueFrom?.secretKeyRef).name as string;
    const before = process.env[variable];
    process.env[variable] = 'test-key-from-env';
    try {
      const scenario = await loadScenario(join(dir, 'scenario.yaml'));
      expect(scenario.target.url).toMatch(/^https:\/\//);
      expect(scenario.gate.thresholds.length).toBeGreaterThan(0);
      for (const p of scenario.profiles) expect(p.config.apiKey).toBe('test-key-from-env');
      for (const [k, v] of Object.entries(scenario.target.headers)) expect(looksSecret(k, v), `header ${k}`).toBe(false);
    } finally {
      if (before === undefined) delete process.env[variable];
      else process.env[variable] = before;
    }
  });

  const run = (env: Record<string, string>) => {
    const [cmd, ...args] = container().command as string[];
    const localArgs = args.map((a) => a.replaceAll('/scenario/entrypoint.sh', join(dir, 'entrypoint.sh')));
    const r = spawnSync(cmd!, localArgs, { env: { PATH: `${dir}:/usr/bin:/bin`, ...env }, encoding: 'utf8' });
    return { code: r.status, args: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
  };
  const podEnv = (index: number) => ({ SHARDS: envOf('SHARDS')!.value, TAILGATE_COORDINATOR: envOf('TAILGATE_COORDINATOR')!.value, JOB_COMPLETION_INDEX: String(index) });

  it('reads only SHARDS, JOB_COMPLETION_INDEX, TAILGATE_COORDINATOR and TAILGATE_EXPORT, and execs tailgate', () => {
    const script = one('ConfigMap').data['entrypoint.sh'] as string;
    const vars = new Set([...script.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((v) => v !== 'e'));
    expect([...vars].sort()).toEqual(['JOB_COMPLETION_INDEX', 'SHARDS', 'TAILGATE_COORDINATOR', 'TAILGATE_EXPORT']);
    expect(script.match(/^\s*exec tailgate /gm)).toHaveLength(2);
  });

  it('pod 0 runs the coordinator', () => {
    const r = run(podEnv(0));
    expect(r.code, r.stderr).toBe(0);
    expect(r.args).toEqual(['coordinate', '--shards', envOf('SHARDS')!.value, '--host', '0.0.0.0', '--port', '7070', '--out', '/reports', '--md', '-']);
  });

  it('pods 1..N run their shard against pod 0', () => {
    const n = Number(envOf('SHARDS')!.value);
    for (const i of [1, n]) {
      const r = run(podEnv(i));
      expect(r.code, r.stderr).toBe(0);
      expect(r.args).toEqual(['run', '/scenario/scenario.yaml', '--shard', `${i}/${n}`, '--coordinator', 'http://tailgate-0.tailgate:7070', '--out', '/reports']);
    }
  });

  it("the pod's exit code is tailgate's: the gate's verdict becomes the Job's", () => {
    for (const code of ['1', '2', '3']) {
      expect(run({ ...podEnv(0), FAKE_EXIT: code }).code).toBe(Number(code));
      expect(run({ ...podEnv(1), FAKE_EXIT: code }).code).toBe(Number(code));
    }
  });

  it('a pod beyond SHARDS, or no SHARDS, is invalid input (exit 2), nothing run', () => {
    const n = Number(envOf('SHARDS')!.value);
    const beyond = run(podEnv(n + 1));
    expect(beyond.code).toBe(2);
    expect(beyond.args).toEqual([]);
    expect(beyond.stderr).toMatch(/completions and parallelism/);
    const { SHARDS: _, ...noShards } = podEnv(1);
    const r = run(noShards);
    expect(r.code).not.toBe(0);
    expect(r.args).toEqual([]);
    expect(r.stderr).toMatch(/SHARDS must be set/);
  });

  it("the ConfigMap's export value reaches every shard as --export, word by word; none when empty", () => {
    const cm = one('ConfigMap');
    const ref = envOf('TAILGATE_EXPORT')?.valueFrom?.configMapKeyRef;
    expect(ref).toMatchObject({ name: cm.metadata.name, key: 'export', optional: true });
    expect(cm.data.export).toBe('');
    const exports = 'prometheus=http://prometheus.monitoring.svc/api/v1/write?tenant=* otlp=http://collector:4318';
    const n = Number(envOf('SHARDS')!.value);
    const r = run({ ...podEnv(n), TAILGATE_EXPORT: exports });
    expect(r.code, r.stderr).toBe(0);
    expect(r.args.slice(-4)).toEqual(['--export', 'prometheus=http://prometheus.monitoring.svc/api/v1/write?tenant=*', '--export', 'otlp=http://collector:4318']);
    expect(run({ ...podEnv(1), TAILGATE_EXPORT: '' }).args).not.toContain('--export');
    expect(run({ ...podEnv(0), TAILGATE_EXPORT: exports }).args).not.toContain('--export');
  });

  it('without TAILGATE_COORDINATOR, a shard uses pod 0 of this Job', () => {
    const { TAILGATE_COORDINATOR: _, ...env } = podEnv(2);
    expect(run(env).args).toContain('http://tailgate-0.tailgate:7070');
  });
});
