import { project } from '../vitest.shared.js';

const config = project('e2e', { include: ['**/*.test.ts'], exclude: ['**/node_modules/**', 'bench/**'] });
// Vitest hands ssr.resolve.conditions to Node as --conditions for the dependencies it does not transform. 'module'
// is a bundler-only condition: under Node it sends @infisical/sdk's AWS dependencies to their extension-less
// dist-es builds, which Node cannot load. Node's own conditions (import/require/node) are the right ones here.
const ssr = (config as { ssr?: { resolve?: { conditions?: string[] } } }).ssr;
if (ssr?.resolve?.conditions) ssr.resolve.conditions = ssr.resolve.conditions.filter((condition) => condition !== 'module');

export default config;
