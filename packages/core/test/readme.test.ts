import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_VARIABLES, errorCatalog } from '@infisical-k8s/core';
import { METRIC_DEFINITIONS } from '../src/metrics/instruments.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every error code with its catalogue hint, and every environment variable', () => {
    for (const [code, { hint }] of Object.entries(errorCatalog)) {
      expect(readme).toContain(`| \`${code}\` |`);
      expect(readme).toContain(hint.replaceAll('|', '\\|'));
    }
    for (const name of Object.values(ENVIRONMENT_VARIABLES).flat()) expect(readme).toContain(`\`${name}\``);
  });

  it('documents every option', () => {
    const options = ['siteUrl', 'kubernetesAuth.identityId', 'kubernetesAuth.tokenPath', 'secrets.projectId', 'secrets.environment', 'secrets.secretPath', 'secrets.recursive', 'secrets.includeImports', 'secrets.expandSecretReferences', 'secrets.tagSlugs', 'secrets.files', 'secrets.checkIntervalMs', 'secrets.dynamic', 'secrets.projectSlug', 'secrets.ttl', 'secrets.fields', 'schema', 'tls.ca', 'tls.caPath', 'tls.rejectUnauthorized', 'refreshIntervalMs', 'push', 'maxStalenessMs', 'readyTimeoutMs', 'initialRetries', 'maxResponseBytes', 'backoff', 'revokeOnClose', 'logger', 'tokenFileCheckIntervalMs', 'client', 'clock', 'random', 'env', 'processEnv', 'fallback.path', 'fallback.maxAgeMs'];
    const optionRows = readme.slice(readme.indexOf('## Options'), readme.indexOf('## Lifecycle'));
    for (const option of options) expect(optionRows).toContain(`\`${option}\``);
  });

  it('documents the metrics option and every metric with its instrument and unit', () => {
    const optionRows = readme.slice(readme.indexOf('## Options'), readme.indexOf('## Lifecycle'));
    expect(optionRows).toContain('| `metrics` |');
    for (const { name, kind, unit } of Object.values(METRIC_DEFINITIONS)) expect(readme).toContain(`| \`${name}\` | observable ${kind} | \`${unit}\` |`);
  });
});
