import { InfisicalValidationError } from '../errors/errors.js';

const DEFAULT_BASE_URL = 'https://app.infisical.com';

/** Query values; booleans must already be `"true"`/`"false"` strings where the server insists. */
export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

/**
 * The site URL without a trailing `/` or `/api` (users paste either). The input is not echoed in
 * errors: a mistyped option may hold a token.
 */
export function normalizeBaseUrl(input: string | undefined): string {
  if (input !== undefined && typeof input !== 'string') {
    throw new InfisicalValidationError('baseUrl', 'must be a string such as https://app.infisical.com');
  }
  const raw = (input ?? DEFAULT_BASE_URL).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InfisicalValidationError('baseUrl', 'is not an absolute URL: use the Infisical site URL with its scheme, e.g. https://app.infisical.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InfisicalValidationError('baseUrl', `must be an http:// or https:// URL, not ${url.protocol}//`);
  }
  if (url.username || url.password) {
    throw new InfisicalValidationError('baseUrl', 'must not contain credentials: log in with client.login() instead');
  }
  if (url.search || url.hash) {
    throw new InfisicalValidationError('baseUrl', 'must not contain a query string or fragment: use the site URL only, e.g. https://app.infisical.com');
  }
  let pathname = url.pathname.replace(/\/+$/, '');
  if (pathname.endsWith('/api')) pathname = pathname.slice(0, -4);
  return `${url.origin}${pathname}`;
}

export function toSearch(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
