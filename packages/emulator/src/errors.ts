/**
 * Stable codes of the errors the emulator's own helpers throw (not the HTTP errors it serves).
 *
 * @example
 * const code: EmulatorErrorCode = 'UNKNOWN_PROJECT';
 */
export type EmulatorErrorCode = 'UNKNOWN_PROJECT' | 'PROVISION_FAILED' | 'INVALID_OPTIONS';

/**
 * Thrown by the emulator's test helpers (`setSecret`, `addIdentityToProject`, `provision`, ...) when they are
 * used wrongly. Messages never carry tokens or secret values.
 *
 * @example
 * try {
 *   emu.setSecret({ projectId: 'nope', environment: 'prod', key: 'A', value: 'a' });
 * } catch (error) {
 *   if (error instanceof EmulatorError && error.code === 'UNKNOWN_PROJECT') console.error(error.message);
 * }
 */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
  readonly code: EmulatorErrorCode;

  constructor(code: EmulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function unknownProject(projectId: string): EmulatorError {
  return new EmulatorError('UNKNOWN_PROJECT', `No project with id ${projectId} in this emulator: create it with emu.createProject() first.`);
}
