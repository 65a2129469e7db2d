// Loads the older `@infisical/sdk` 2.3.5 (installed under the alias `infisical-sdk-legacy`), whose work is done by
// a Rust core shipped as a native Node addon per platform. Only the Linux x64 glibc addon is a dev dependency
// here, so on any other host the package cannot load and its tests are skipped with this reason.
import { createRequire } from 'node:module';
import type { InfisicalClient } from 'infisical-sdk-legacy';

export type LegacyClient = InfisicalClient;
export type LegacySettings = ConstructorParameters<typeof InfisicalClient>[0];

function glibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === 'string';
}

/** Why the native addon cannot run on this host, or undefined when it can. */
export const LEGACY_UNSUPPORTED: string | undefined =
  process.platform === 'linux' && process.arch === 'x64' && glibc()
    ? undefined
    : `@infisical/sdk 2.3.5 runs on a native addon and only @infisical/sdk-linux-x64-gnu is installed; this host is ${process.platform}-${process.arch}${process.platform === 'linux' ? (glibc() ? '-gnu' : '-musl') : ''}`;

/** The SDK's client class; only call it when LEGACY_UNSUPPORTED is undefined. */
export function legacyClientClass(): typeof InfisicalClient {
  const require = createRequire(import.meta.url);
  return (require('infisical-sdk-legacy') as { InfisicalClient: typeof InfisicalClient }).InfisicalClient;
}
