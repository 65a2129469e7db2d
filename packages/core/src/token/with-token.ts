import { isTokenError } from 'node-infisical';
import type { WithToken } from '../secrets/secret-source.js';
import type { TokenManager } from './token-manager.js';

/**
 * Runs calls with the access token: on 401 / 403 TokenError, logs in once and retries, then surfaces.
 *
 * @example
 * await sources.fetchAll(withToken(tokens), mapError);
 */
export function withToken(tokens: Pick<TokenManager, 'use' | 'invalidate'>): WithToken {
  return async (call) => {
    const generation = await tokens.use();
    try {
      return await call();
    } catch (error) {
      if (!isTokenError(error)) throw error;
      tokens.invalidate(generation);
      await tokens.use();
      return call();
    }
  };
}
