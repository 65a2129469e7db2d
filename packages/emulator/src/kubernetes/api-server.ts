import { Router } from '../http/router.js';
import { HttpError, startServer, type RunningServer } from '../http/server.js';
import type { Counters, Faults } from '../http/faults.js';
import type { ServiceAccountIssuer } from './issuer.js';

/** A Kubernetes `Status` body, as the API server sends on errors. */
function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function bearer(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers.authorization;
  const header = Array.isArray(value) ? value[0] : value;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

export interface KubernetesApiOptions {
  issuer: ServiceAccountIssuer;
  /** `namespace/name` of accounts bound to system:auth-delegator. */
  authDelegators: Set<string>;
  counters: Counters;
  faults: Faults;
  tls: { cert: string; key: string };
  host: string;
  port: number;
}

/**
 * The two API-server endpoints Infisical calls: `GET /version` (probed at attach time) and the
 * TokenReview API. The caller must itself present a valid service-account token bound to
 * `system:auth-delegator`, as RBAC demands of a real reviewer.
 */
export async function startKubernetesApi(options: KubernetesApiOptions): Promise<RunningServer> {
  const { issuer, authDelegators } = options;
  const router = new Router();

  router.on('GET', '/version', () => ({
    status: 200,
    body: { major: '1', minor: '31', gitVersion: 'v1.31.0-infisical-k8s-emulator', platform: 'linux/amd64' },
  }));

  router.on('POST', '/apis/authentication.k8s.io/v1/tokenreviews', async (req) => {
    const callerToken = bearer(req.headers);
    if (!callerToken) throw new HttpError(401, status(401, 'Unauthorized', 'Unauthorized'));
    let caller;
    try {
      caller = await issuer.verify(callerToken);
    } catch {
      throw new HttpError(401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (!authDelegators.has(`${caller.namespace}/${caller.name}`)) {
      throw new HttpError(
        403,
        status(
          403,
          'Forbidden',
          `tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:${caller.namespace}:${caller.name}" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope`,
        ),
      );
    }
    const body = (req.body ?? {}) as { spec?: { token?: unknown; audiences?: unknown } };
    const token = typeof body.spec?.token === 'string' ? body.spec.token : '';
    const wanted = Array.isArray(body.spec?.audiences) ? (body.spec.audiences as unknown[]).filter((a): a is string => typeof a === 'string') : [];
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: body.spec ?? {} };
    try {
      const reviewed = await issuer.verify(token);
      const audiences = wanted.length > 0 ? reviewed.audiences.filter((a) => wanted.includes(a)) : reviewed.audiences;
      if (wanted.length > 0 && audiences.length === 0) {
        return { status: 201, body: { ...review, status: { user: {}, error: '[invalid bearer token, token audiences ' + JSON.stringify(reviewed.audiences) + ' is invalid for the target audiences ' + JSON.stringify(wanted) + ']' } } };
      }
      return {
        status: 201,
        body: {
          ...review,
          status: {
            authenticated: true,
            user: {
              username: `system:serviceaccount:${reviewed.namespace}:${reviewed.name}`,
              uid: reviewed.uid,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${reviewed.namespace}`, 'system:authenticated'],
            },
            audiences,
          },
        },
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'invalid token';
      return { status: 201, body: { ...review, status: { user: {}, error: `[invalid bearer token, ${reason}]` } } };
    }
  });

  return startServer(
    {
      router,
      counters: options.counters,
      faults: options.faults,
      tls: options.tls,
      errorBody: (code, message) => status(code, code >= 500 ? 'InternalError' : 'BadRequest', message),
      badJson: () => ({ status: 400, body: status(400, 'BadRequest', 'the body of the request was in an unknown format') }),
    },
    options.host,
    options.port,
  );
}
