export { createInfisicalConfig } from './config/create-infisical-config.js';
export type { InfisicalConfig, ConfigOutput, ConfigChange, ConfigStatus, ReadinessReport, RefreshReason } from './config/types.js';
export type { InfisicalConfigOptions, SecretSourceOptions, FileSourceOptions, InfisicalLogger } from './options/types.js';
export { SECRET_FILE_MAX_BYTES, SECRET_FILES_MAX_COUNT } from './secrets/file-source.js';
export { ENVIRONMENT_VARIABLES, PROJECTED_TOKEN_PATH, SERVICE_ACCOUNT_TOKEN_PATH, DEFAULT_SITE_URL, DEFAULT_MAX_RESPONSE_BYTES } from './options/resolve.js';
export { type Clock, type ClockTimer, systemClock } from './clock/clock.js';
export { InfisicalK8sError, isInfisicalK8sError, type ConfigIssue } from './errors/error.js';
export { errorCatalog, isPermanentError, type InfisicalErrorCode } from './errors/codes.js';
export { redact } from './redact/redact.js';
