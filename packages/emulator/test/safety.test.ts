import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorError, provision, startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, login, setUpApp, type Answer, type App } from './helpers.js';

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;
const SECRET_VALUE = 'super-secret-value-7f3a';
const clock = new ManualClock();
let emu: Emulator;
let app: App;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  app = await setUpApp(emu, { accessTokenNumUsesLimit: 3 });
  emu.setSecrets(app.projectId, 'prod', { API_KEY: SECRET_VALUE });
});
afterAll(async () => {
  await emu.close();
});

describe('Error bodies', () => {
  it('never carry a JWT, a client secret or a secret value', async () => {
    const token = await accessToken(emu, app.identityId);
    const expired = emu.kubernetes.issueToken({ expirationSeconds: 600 });
    const answers: Answer[] = [];
    answers.push(await login(emu, app.identityId, emu.kubernetes.issueToken({ signedWith: 'foreign' })));
    answers.push(await login(emu, app.identityId, emu.kubernetes.issueToken({ namespace: 'kube-system' })));
    answers.push(await infisical(emu, 'POST', '/api/v1/auth/universal-auth/login', { body: { clientId: emu.admin.clientId, clientSecret: `${emu.admin.clientSecret}x` } }));
    answers.push(await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod&recursive=yes`, { token }));
    answers.push(await infisical(emu, 'GET', `/api/v4/secrets/API_KEY?projectId=${app.projectId}&environment=prod&viewSecretValue=maybe`, { token }));
    answers.push(await infisical(emu, 'POST', '/api/v1/auth/kubernetes-auth/identities/x', { token: emu.admin.accessToken, body: { kubernetesHost: 'https://h?x', tokenReviewerJwt: emu.kubernetes.tokenReviewerJwt } }));
    answers.push(await infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: `${token}x` } }));
    clock.advance(601);
    answers.push(await login(emu, app.identityId, expired));
    for (let i = 0; i < 3; i++) answers.push(await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { token }));
    answers.push(await infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: token } }));
    const errors = answers.filter((a) => a.status >= 400);
    expect(errors.length).toBeGreaterThanOrEqual(10);
    for (const answer of errors) {
      expect(answer.text).not.toMatch(JWT);
      expect(answer.text).not.toContain(emu.admin.clientSecret);
      expect(answer.text).not.toContain(SECRET_VALUE);
    }
  });
});

describe('Class: EmulatorError from provision', () => {
  it('names the failing call without echoing credentials', async () => {
    const other = await startEmulator({ clock, ipPlanFeature: false });
    try {
      const error = await provision(other, { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmulatorError);
      expect(error).toMatchObject({ code: 'PROVISION_FAILED', message: expect.stringMatching(/^provision: POST \/api\/v1\/auth\/kubernetes-auth\/identities\/.+ answered 400 BadRequest: .*plan restriction/) });
      expect(inspect(error)).not.toMatch(JWT);
      expect(JSON.stringify(error)).not.toMatch(JWT);
    } finally {
      await other.close();
    }
  });
});

describe('Method: addIdentityToProject', () => {
  it('defaults to member, which may write', async () => {
    const writer = await setUpApp(emu);
    const project = emu.createProject({ environments: ['dev'] });
    emu.addIdentityToProject(project.id, writer.identityId);
    const token = await accessToken(emu, writer.identityId, emu.kubernetes.issueToken());
    const res = await infisical(emu, 'POST', '/api/v4/secrets/WRITTEN', { token, body: { projectId: project.id, environment: 'dev', secretValue: 'v' } });
    expect(res.status).toBe(200);
  });
});
