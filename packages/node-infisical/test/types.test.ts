/** The public types, as users and core see them (checked by `tsc` in typecheck and by vitest at run time). */
import { describe, expectTypeOf, it } from 'vitest';
import {
  InfisicalApiError,
  InfisicalClient,
  InfisicalNetworkError,
  InfisicalValidationError,
  type IdentityKubernetesAuth,
  type LoginResponse,
  type NetworkErrorCode,
  type ProjectEvent,
  type Secret,
  type SecretImport,
} from 'node-infisical';

describe('Types: public API', () => {
  it('login and renew resolve to the documented LoginResponse', () => {
    const client = new InfisicalClient();
    expectTypeOf(client.login).returns.resolves.toEqualTypeOf<LoginResponse>();
    expectTypeOf(client.auth.renew).returns.resolves.toEqualTypeOf<LoginResponse>();
    expectTypeOf(client.auth.revoke).returns.resolves.toBeVoid();
    expectTypeOf(client.auth.accessToken).toEqualTypeOf<string | undefined>();
    expectTypeOf<LoginResponse>().toEqualTypeOf<{ accessToken: string; expiresIn: number; accessTokenMaxTTL: number; tokenType: string }>();
  });

  it('lists secrets with imports, and the admin calls answer in the server shapes', () => {
    const client = new InfisicalClient();
    expectTypeOf(client.secrets.list).returns.resolves.toEqualTypeOf<{ secrets: Secret[]; imports: SecretImport[]; etag: string | undefined; notModified: boolean }>();
    expectTypeOf(client.secrets.apiVersion).toEqualTypeOf<'v4' | 'v3' | undefined>();
    expectTypeOf(client.identityAuth.kubernetes.attach).returns.resolves.toEqualTypeOf<{ identityKubernetesAuth: IdentityKubernetesAuth }>();
    expectTypeOf(client.events.subscribe).returns.resolves.toEqualTypeOf<AsyncIterable<ProjectEvent>>();
    expectTypeOf<{ kubernetesAuth: { identityId: string; jwt: string } }>().toExtend<Parameters<typeof client.login>[0]>();
    expectTypeOf<{ universalAuth: { clientId: string; clientSecret: string } }>().toExtend<Parameters<typeof client.login>[0]>();
  });

  it('errors carry typed codes', () => {
    expectTypeOf<InfisicalNetworkError['code']>().toEqualTypeOf<NetworkErrorCode>();
    expectTypeOf<InfisicalValidationError['code']>().toEqualTypeOf<'INVALID_ARGUMENT'>();
    expectTypeOf<InfisicalApiError['status']>().toBeNumber();
    expectTypeOf<InfisicalApiError['hint']>().toEqualTypeOf<string | undefined>();
  });
});
