export { startEmulator, type Emulator, type ServerGeneration, type StartEmulatorOptions } from './emulator.js';
export type { EmulatorClock } from './clock.js';
export type { IssueTokenOptions } from './kubernetes/issuer.js';
export type { ProjectedToken } from './kubernetes/projected-token.js';
export type { FaultSpec } from './http/faults.js';
export { RATE_LIMIT_PRESETS, type RateLimitPreset, type RateLimitSettings } from './http/rate-limit.js';
export type { SetSecretOptions } from './infisical/routes/secret-writer.js';
export { provision, type ProvisionOptions, type Provisioned } from './provision.js';
export { EmulatorError, type EmulatorErrorCode } from './errors.js';
