import type { EmulatorClock } from '../clock.js';
import type { AccessTokens } from './access-tokens.js';
import type { InfisicalState } from './state.js';
import type { SecretEvents } from './secret-events.js';

/** What every route module receives. */
export interface InfisicalContext {
  state: InfisicalState;
  tokens: AccessTokens;
  clock: EmulatorClock;
  events: SecretEvents;
  options: {
    /** Which server the emulator plays: today's, or one from October 2024. */
    generation: 'current' | '2024';
    renewalMode: 'current' | 'classic';
    eventSubscriptions: boolean;
    blockInternalKubernetesHosts: boolean;
    ipPlanFeature: boolean;
    kubernetesTimeoutMs: number;
    sse: { pingIntervalMs: number; connectionTimeoutMs: number };
  };
}

export const nowIso = (clock: EmulatorClock): string => new Date(clock.now()).toISOString();
