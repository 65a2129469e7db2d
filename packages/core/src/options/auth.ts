import { createHash } from 'node:crypto';
import { Redacted } from '../util/redacted.js';
import { ENVIRONMENT_VARIABLES } from './defaults.js';
import { fromEnv, invalid, invalidOption, object, string, type Bag } from './check.js';

/** How core logs in: Kubernetes Auth (the default), Universal Auth, or a given access token. */
export type AuthMethod = 'kubernetes' | 'universal-auth' | 'access-token';

/** A client secret or a given access token: readable only through `reveal()`. */
export type Credential = Redacted<string>;

export type ResolvedAuth =
  | { method: 'kubernetes'; scope: string }
  | { method: 'universal-auth'; clientId: string; clientSecret: Credential; from: string; scope: string }
  | { method: 'access-token'; accessToken: Credential; from: string; scope: string };

const { universalAuthClientId: ID_VARS, universalAuthClientSecret: SECRET_VARS, accessToken: TOKEN_VARS } = ENVIRONMENT_VARIABLES;

/** Who the answers belong to, for sharing them between configs: a digest, never the credential. */
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

function nonBlank(name: string, value: unknown, fix: string): string | undefined {
  const text = string(name, value, fix)?.trim();
  if (value !== undefined && !text) throw invalidOption(name, 'a non-empty string', value, fix);
  return text;
}

function universal(options: Bag, env: Bag): ResolvedAuth {
  const given = object('universalAuth', options.universalAuth) ?? {};
  const clientId = nonBlank('universalAuth.clientId', given.clientId, `the identity's Universal Auth client ID, or set ${ID_VARS[0]}`) ?? fromEnv(env, ID_VARS);
  const secret = nonBlank('universalAuth.clientSecret', given.clientSecret, `a client secret of that identity, or set ${SECRET_VARS[0]}`) ?? fromEnv(env, SECRET_VARS);
  if (!clientId) invalid(`universalAuth.clientId is missing: pass the identity's Universal Auth client ID or set ${ID_VARS[0]}`);
  if (!secret) invalid(`universalAuth.clientSecret is missing: pass a client secret of the identity or set ${SECRET_VARS[0]}`);
  const from = options.universalAuth === undefined ? `${ID_VARS[0]} and ${SECRET_VARS[0]}` : 'universalAuth';
  return { method: 'universal-auth', clientId, clientSecret: new Redacted(secret), from, scope: `universal-auth:${clientId}` };
}

function accessToken(value: string, from: string): ResolvedAuth {
  if (/\s/.test(value)) invalid(`${from} must be one access token without spaces or line breaks`);
  return { method: 'access-token', accessToken: new Redacted(value), from, scope: `access-token:${digest(value)}` };
}

/**
 * The auth method: the option given (at most one of `kubernetesAuth`, `universalAuth`, `accessToken`), else the
 * environment in this order: both Universal Auth variables, then `INFISICAL_TOKEN`, else Kubernetes Auth.
 */
export function resolveAuth(options: Bag, env: Bag): ResolvedAuth {
  const given = ['kubernetesAuth', 'universalAuth', 'accessToken'].filter((name) => options[name] !== undefined);
  if (given.length > 1) invalid(`${given.join(' and ')} are both set: pass one auth method (kubernetesAuth, universalAuth or accessToken)`);
  if (options.universalAuth !== undefined) return universal(options, env);
  if (options.accessToken !== undefined) return accessToken(nonBlank('accessToken', options.accessToken, `an Infisical access token, or set ${TOKEN_VARS[0]}`)!, 'accessToken');
  if (options.kubernetesAuth !== undefined) return { method: 'kubernetes', scope: 'kubernetes' };
  const id = fromEnv(env, ID_VARS);
  const secret = fromEnv(env, SECRET_VARS);
  if (id && secret) return universal(options, env);
  // One of the pair alone is a half-done setup: saying so beats silently logging in another way.
  if (id || secret) invalid(`${id ? ID_VARS[0] : SECRET_VARS[0]} is set but ${id ? SECRET_VARS[0] : ID_VARS[0]} is not: set both for Universal Auth, or neither`);
  const token = fromEnv(env, TOKEN_VARS);
  if (token) return accessToken(token, TOKEN_VARS[0]);
  return { method: 'kubernetes', scope: 'kubernetes' };
}
