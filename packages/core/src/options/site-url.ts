import { DEFAULT_SITE_URL, ENVIRONMENT_VARIABLES } from './defaults.js';
import { fromEnv, invalid, string, type Bag } from './check.js';

const LOOPBACK = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** The site URL from the option or the environment, checked: an http(s) URL of the site itself, never an API path. */
export function resolveSiteUrl(options: Bag, env: Bag): { siteUrl: string; url: URL } {
  const siteUrl = (string('siteUrl', options.siteUrl) ?? fromEnv(env, ENVIRONMENT_VARIABLES.siteUrl) ?? DEFAULT_SITE_URL).trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(siteUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    invalid(`siteUrl "${siteUrl}" is not an http(s) URL: set siteUrl or INFISICAL_SITE_URL, e.g. https://app.infisical.com`);
  }
  // `https://host/api/v3` is the site URL plus an API path: every route would then 404 (reported as an unknown
  // identity at login). The site's root (a reverse proxy's prefix is fine) is what the client appends routes to.
  const segments = url.pathname.split('/');
  const api = segments.indexOf('api');
  if (api >= 0 || url.search || url.hash) {
    const root = `${url.origin}${(api >= 0 ? segments.slice(0, api) : segments).join('/')}`.replace(/\/+$/, '');
    invalid(`siteUrl "${url.origin}${url.pathname}" must be the site's URL, not an API path or a URL with a query: use ${root} (INFISICAL_SITE_URL)`);
  }
  return { siteUrl, url };
}

/** What is legal but unsafe: logged once when a config starts. */
export function startWarnings(url: URL, env: Bag): string[] {
  const warnings: string[] = [];
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    warnings.push(
      `siteUrl ${url.origin} is plain http:// off this host: the service-account token, the access token and every secret cross the network unencrypted. Use https:// (plain HTTP is for loopback only).`,
    );
  }
  // Node reads this from the process environment for every TLS connection, whatever core's own tls options say.
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0' || process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    warnings.push(
      'NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificate verification is off for this whole process, so anyone on the network path can read every secret and token. Unset it and pass Infisical\'s CA with tls.ca or INFISICAL_CA_PATH.',
    );
  }
  return warnings;
}
