import type { InfisicalContext } from '../context.js';
import type { SecretRecord } from '../state.js';
import { ReferenceExpander } from '../secret-expansion.js';

const HIDDEN = '<hidden-by-infisical>';

/** A secret as the read and write routes answer it. */
export function secretItem(ctx: InfisicalContext, projectId: string, environment: string, path: string, secret: SecretRecord, value: string, hidden: boolean, withDates = true) {
  return {
    id: secret.id,
    _id: secret.id,
    workspace: projectId,
    environment,
    version: secret.version,
    type: 'shared',
    secretKey: secret.key,
    secretValue: hidden ? HIDDEN : value,
    secretComment: secret.comment,
    secretPath: path,
    secretValueHidden: hidden,
    skipMultilineEncoding: secret.skipMultilineEncoding,
    secretReminderNote: null,
    secretReminderRepeatDays: null,
    ...(withDates ? { createdAt: secret.createdAt, updatedAt: secret.updatedAt } : {}),
    actor: null,
    isRotatedSecret: false,
    rotationId: null,
    secretMetadata: secret.metadata.map((m) => ({ key: m.key, value: m.value, isEncrypted: false })),
    tags: secret.tags.map((slug) => {
      const tag = ctx.state.tag(projectId, slug);
      return { id: tag.id, slug: tag.slug, color: tag.color, name: tag.name };
    }),
  };
}

export const expanderFor = (ctx: InfisicalContext, projectId: string): ReferenceExpander =>
  new ReferenceExpander((env, path, key) => ctx.state.folder(projectId, env, path)?.get(key)?.value, { stopAtCycles: ctx.options.generation === 'current' });
