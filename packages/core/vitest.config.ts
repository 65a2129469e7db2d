import { project } from '../../vitest.shared.js';

// The workers hand the SSR conditions to Node as --conditions, and `module` makes Node pick @opentelemetry/api's
// bundler build (extensionless imports, which Node cannot load): resolve it as Node does in production.
const base = project('core');
const conditions = (base.ssr?.resolve?.conditions ?? []).filter((condition) => condition !== 'module');

export default { ...base, resolve: { ...base.resolve, conditions }, ssr: { ...base.ssr, resolve: { ...base.ssr?.resolve, conditions } } };
