import { Router, type RouteRequest, type RouteResponse } from '../http/router.js';
import { HttpError, startServer, type RunningServer } from '../http/server.js';
import type { Counters, Faults } from '../http/faults.js';
import type { ServiceAccountIssuer } from './issuer.js';
import { TokenRejected } from './token-review.js';

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
  /** The API server's own audiences (`--api-audiences`): asked for when a review names none, and demanded of callers. */
  apiAudiences: readonly string[];
  /** `namespace/name` of accounts bound to system:auth-delegator. */
  authDelegators: Set<string>;
  counters: Counters;
  faults: Faults;
  tls: { cert: string; key: string };
  host: string;
  port: number;
}

/**
 * `GET /version` of kube-apiserver v1.31.0 (version.Info, every field), the release whose
 * authentication behaviour the emulator follows.
 */
export const KUBERNETES_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: '9edcffcde5595e8a5b1a35f88c421764e575afce',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T07:28:49Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

const unauthorized = () => new HttpError(401, status(401, 'Unauthorized', 'Unauthorized'));

/** The caller of the TokenReview API: a token for the API server's own audiences, bound to `system:auth-delegator`. */
function authorizeReviewer(options: KubernetesApiOptions, headers: RouteRequest['headers']): void {
  const callerToken = bearer(headers);
  if (!callerToken) throw unauthorized();
  let caller;
  try {
    // A request's bearer is authenticated for the API server's own audiences only.
    caller = options.issuer.verify(callerToken, [], options.apiAudiences);
  } catch {
    throw unauthorized();
  }
  if (!options.authDelegators.has(`${caller.namespace}/${caller.name}`)) {
    throw new HttpError(
      403,
      status(
        403,
        'Forbidden',
        `tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:${caller.namespace}:${caller.name}" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope`,
      ),
    );
  }
}

function tokenReview(options: KubernetesApiOptions, req: RouteRequest): RouteResponse {
  authorizeReviewer(options, req.headers);
  const body = (req.body ?? {}) as { spec?: { token?: unknown; audiences?: unknown } };
  const token = typeof body.spec?.token === 'string' ? body.spec.token : '';
  if (!token) throw new HttpError(400, status(400, 'BadRequest', 'token is required for TokenReview in authentication'));
  const wanted = Array.isArray(body.spec?.audiences) ? (body.spec.audiences as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: body.spec ?? {} };
  let reviewed;
  try {
    reviewed = options.issuer.verify(token, wanted, options.apiAudiences);
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
    return { status: 201, body: { ...review, status: { user: {}, error: error.statusError() } } };
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
          ...(Object.keys(reviewed.extra).length > 0 ? { extra: reviewed.extra } : {}),
        },
        ...(reviewed.audiences.length > 0 ? { audiences: reviewed.audiences } : {}),
      },
    },
  };
}

/**
 * The two API-server endpoints Infisical calls: `GET /version` (probed at attach time) and the
 * TokenReview API. The caller must itself present a valid service-account token for the API server's
 * audiences, bound to `system:auth-delegator`, as authentication and RBAC demand of a real reviewer.
 */
export async function startKubernetesApi(options: KubernetesApiOptions): Promise<RunningServer> {
  const router = new Router();
  router.on('GET', '/version', () => ({ status: 200, body: { ...KUBERNETES_VERSION } }));
  router.on('POST', '/apis/authentication.k8s.io/v1/tokenreviews', (req) => tokenReview(options, req));
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
