/**
 * Thrown for a command line the CLI cannot use.
 *
 * @example
 * await main(['--port', 'eighty']).catch((e) => e instanceof EmulatorCliError && console.error(e.message));
 */
export class EmulatorCliError extends Error {
  readonly code = 'EMULATOR_CLI_USAGE';
  override readonly name = 'EmulatorCliError';
}
