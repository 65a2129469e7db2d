import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/**
 * One project config for every package, example and the cross-package tests.
 * Workspace imports resolve to each package's `src/` through the `@infisical-k8s/source`
 * export condition, so tests never need a build first.
 */
export function project(name: string, extra: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  // Vite's own defaults, with our source condition first.
  const conditions = ['@infisical-k8s/source', 'module', 'node', 'development|production'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    // Nest's DI reads constructor parameter types from decorator metadata.
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts', '*.test.ts'],
      setupFiles: [new URL('./test/support/capture-output.ts', import.meta.url).pathname],
      testTimeout: 20_000,
      hookTimeout: 20_000,
      ...extra,
    },
  } as UserWorkspaceConfig);
}
