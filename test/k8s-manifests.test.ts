import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENT_VARIABLES, PROJECTED_TOKEN_PATH } from '@infisical-k8s/core';
import { startApp as startNest } from '@infisical-k8s/example-nest';
import { startApp as startExpress } from '@infisical-k8s/example-express';
import { startApp as startFastify } from '@infisical-k8s/example-fastify';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'k8s');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (file: string): Doc[] => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJSON() as Doc);

const EMULATOR_DEFAULTS = { namespace: 'default', name: 'infisical-auth', audience: 'infisical', reviewer: 'infisical-token-reviewer' };

describe('examples/k8s manifests agree with the library defaults', () => {
  it('the pod and the deployment mount a projected token with our audience at our default path', () => {
    const pod = load('pod.yaml')[0]!;
    const deployment = load('deployment.yaml')[0]!;
    for (const spec of [pod.spec, deployment.spec.template.spec]) {
      expect(spec.serviceAccountName).toBe(EMULATOR_DEFAULTS.name);
      const volume = spec.volumes.find((v: Doc) => v.projected);
      const source = volume.projected.sources[0].serviceAccountToken;
      expect(source.audience).toBe(EMULATOR_DEFAULTS.audience);
      const mount = spec.containers[0].volumeMounts.find((m: Doc) => m.name === volume.name);
      expect(`${mount.mountPath}/${source.path}`).toBe(PROJECTED_TOKEN_PATH);
      expect(mount.readOnly).toBe(true);
    }
  });

  it('the deployment sets the environment variables core reads and probes the readiness route', () => {
    const container = load('deployment.yaml')[0]!.spec.template.spec.containers[0];
    const names = container.env.map((e: Doc) => e.name);
    for (const key of ['siteUrl', 'identityId', 'tokenPath', 'projectId', 'environment', 'secretPath'] as const) {
      expect(names).toContain(ENVIRONMENT_VARIABLES[key][0]);
    }
    expect(container.env.find((e: Doc) => e.name === 'INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH').value).toBe(PROJECTED_TOKEN_PATH);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('the service accounts and the reviewer binding match the seed', () => {
    expect(load('service-account.yaml')[0]).toMatchObject({ kind: 'ServiceAccount', metadata: { name: EMULATOR_DEFAULTS.name, namespace: EMULATOR_DEFAULTS.namespace } });
    const [reviewer, binding] = load('token-reviewer.yaml');
    expect(reviewer).toMatchObject({ kind: 'ServiceAccount', metadata: { name: EMULATOR_DEFAULTS.reviewer } });
    expect(binding).toMatchObject({
      kind: 'ClusterRoleBinding',
      roleRef: { kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [{ kind: 'ServiceAccount', name: EMULATOR_DEFAULTS.reviewer, namespace: EMULATOR_DEFAULTS.namespace }],
    });
  });

  it('the Operator variant: an InfisicalSecret with Kubernetes Auth, and a Deployment that mounts its managed Secret as the files source', () => {
    const [secret] = load('operator/infisical-secret.yaml');
    expect(secret).toMatchObject({ apiVersion: 'secrets.infisical.com/v1alpha1', kind: 'InfisicalSecret' });
    const auth = secret!.spec.authentication.kubernetesAuth;
    expect(auth.identityId).toEqual(expect.any(String));
    expect(auth.serviceAccountRef).toEqual({ name: EMULATOR_DEFAULTS.name, namespace: EMULATOR_DEFAULTS.namespace });
    expect(auth.serviceAccountTokenAudiences).toContain(EMULATOR_DEFAULTS.audience);
    expect(Object.keys(auth.secretsScope).toSorted()).toEqual(['envSlug', 'projectId', 'secretsPath']);
    const managed = secret!.spec.managedSecretReference;
    expect(managed.secretNamespace).toBe(secret!.metadata.namespace);

    const deployment = load('operator/deployment.yaml')[0]!;
    expect(deployment.metadata.namespace).toBe(managed.secretNamespace);
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    const volume = spec.volumes.find((v: Doc) => v.secret?.secretName === managed.secretName);
    expect(volume).toBeDefined();
    const mount = container.volumeMounts.find((m: Doc) => m.name === volume.name);
    // A subPath mount is never updated by the kubelet: the whole volume, read-only, where core reads it.
    expect(mount).toMatchObject({ readOnly: true });
    expect(mount.subPath).toBeUndefined();
    const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
    expect(env[ENVIRONMENT_VARIABLES.secretsDirectory[0]]).toBe(mount.mountPath);
    // No pod talks to Infisical: nothing to log in with.
    for (const name of [...ENVIRONMENT_VARIABLES.identityId, ...ENVIRONMENT_VARIABLES.projectId]) expect(env).not.toHaveProperty(name);
    expect(spec.volumes.some((v: Doc) => v.projected)).toBe(false);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
  });

  it.each([
    ['nestjs', startNest],
    ['express', startExpress],
    ['fastify', startFastify],
  ] as const)('the unchanged %s example app serves the mounted Secret with the Operator deployment\'s env alone', async (framework, startApp) => {
    const container = load('operator/deployment.yaml')[0]!.spec.template.spec.containers[0];
    const env: Record<string, string> = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
    // The Secret as the kubelet mounts it: a timestamped folder, `..data` pointing at it, one link per key.
    const mounted = await mkdtemp(join(tmpdir(), 'operator-secret-'));
    try {
      const secret = { GREETING: 'from-the-operator', DATABASE_URL: 'postgres://u:p@db.internal:5432/app', API_KEY: 'key-12345678' };
      await mkdir(join(mounted, '..2026_12_03_09_00_00.1'));
      for (const [key, value] of Object.entries(secret)) await writeFile(join(mounted, '..2026_12_03_09_00_00.1', key), value);
      await symlink('..2026_12_03_09_00_00.1', join(mounted, '..data'));
      for (const key of Object.keys(secret)) await symlink(join('..data', key), join(mounted, key));
      const running = await startApp({ port: 0, env: { ...env, PORT: '0', [ENVIRONMENT_VARIABLES.secretsDirectory[0]]: mounted }, logger: false });
      try {
        expect(await (await fetch(running.url)).json()).toMatchObject({ framework, greeting: 'from-the-operator', database: 'db.internal:5432' });
        expect(await (await fetch(`${running.url}/ready`)).json()).toMatchObject({ status: 'ready' });
        expect(running.config.status.logins).toBe(0);
      } finally {
        await running.close();
      }
    } finally {
      await rm(mounted, { recursive: true, force: true });
    }
  });
});
