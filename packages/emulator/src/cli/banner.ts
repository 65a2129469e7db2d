import type { Emulator } from '../emulator-types.js';
import type { Provisioned } from '../provision.js';
import type { CliOptions } from './flags.js';

const label = (name: string): string => `${name}:`.padEnd(27);

export interface BannerFacts {
  options: CliOptions;
  renewalMode: 'current' | 'classic';
  caPath: string;
  /** The seeded keys, names only. */
  keys: string[];
  tokenLifetimeSeconds: number;
  env: Record<string, string>;
  /** Whether commands are read from standard input. */
  commands: boolean;
}

/** What the CLI prints at start: where things are, who may do what, and how to drive it. */
export function banner(emu: Emulator, app: Provisioned, facts: BannerFacts): string[] {
  const { options } = facts;
  const rotation = options.rotateEverySeconds > 0 ? `every ${options.rotateEverySeconds} s` : 'never (the `rotate` command rotates it)';
  return [
    `${label('Infisical (emulated)')}${emu.infisicalUrl}`,
    `${label('Kubernetes API (emulated)')}${emu.kubernetes.host}`,
    `${label('Emulator CA')}${facts.caPath}`,
    `${label('Service-account token')}${app.projected.path}`,
    `${label('Token rotation')}${rotation} (each token lives ${facts.tokenLifetimeSeconds} s)`,
    `${label('Identity id')}${app.identityId} (Kubernetes Auth, project viewer)`,
    `${label('Project id')}${app.projectId} (environment ${app.environment}, path ${app.secretPath})`,
    `${label('Seeded secrets')}${facts.keys.join(', ')}`,
    `${label('Server generation')}${emu.generation}`,
    `${label('Renewal mode')}${facts.renewalMode}`,
    '',
    'Administrator (organization admin, Universal Auth; may write secrets):',
    `${label('  Client id')}${emu.admin.clientId}`,
    `${label('  Client secret')}${emu.admin.clientSecret}`,
    `${label('  Access token')}${emu.admin.accessToken}`,
    `  e.g. curl -H "Authorization: Bearer <access token>" "${emu.infisicalUrl}/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=${app.environment}"`,
    '',
    'Environment for an app:',
    ...Object.entries(facts.env).map(([key, value]) => `export ${key}=${value}`),
    '',
    ...(facts.commands ? ['Commands (type here, one per line): set KEY=value | delete KEY | rotate | fault KIND [ROUTE] [COUNT] | generation current|2024 | help | quit', ''] : []),
    'Press Ctrl-C to stop.',
  ];
}
