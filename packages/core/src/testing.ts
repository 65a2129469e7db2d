/**
 * Test helpers, kept out of the main entry point so production bundles never carry them:
 * `import { ManualClock } from '@infisical-k8s/core/testing'`.
 */
export { ManualClock } from './clock/manual-clock.js';
