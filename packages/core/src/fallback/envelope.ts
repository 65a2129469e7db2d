import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { FallbackKey } from './key.js';

/** What the file holds, once decrypted: the raw values, when they were fetched, and whose they are. No token. */
export interface FallbackPayload {
  version: 1;
  /** Clock time (epoch ms) of the load that fetched these values, or last confirmed them unchanged. */
  fetchedAt: number;
  /** A digest of the server, identity and sources the values came from (never the values). */
  scope: string;
  values: Record<string, string>;
}

const FORMAT = 'infisical-k8s/fallback';
const VERSION = 1;
/** The format and version are authenticated with the data: a file cannot be passed off as another version. */
const AAD = Buffer.from(`${FORMAT}:${VERSION}`);
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Why a file was refused before its contents could be trusted. */
export type OpenFailure = 'malformed' | 'version' | 'authentication';

/** Encrypts a payload with AES-256-GCM under a fresh random IV: the file's whole text. */
export function seal(payload: FallbackPayload, key: FallbackKey): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.reveal(), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  const envelope = { format: FORMAT, version: VERSION, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  return `${JSON.stringify(envelope)}\n`;
}

function isValues(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

function decodeEnvelope(text: string): { iv: Buffer; tag: Buffer; data: Buffer } | OpenFailure {
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'malformed';
  }
  if (envelope === null || typeof envelope !== 'object' || envelope.format !== FORMAT) return 'malformed';
  if (envelope.version !== VERSION) return 'version';
  const [iv, tag, data] = [envelope.iv, envelope.tag, envelope.data].map((part) => (typeof part === 'string' ? Buffer.from(part, 'base64') : undefined));
  if (!iv || !tag || !data || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return 'malformed';
  return { iv, tag, data };
}

/**
 * Decrypts and checks a file's text. A wrong key and an altered byte both fail the GCM tag check: they cannot be
 * told apart, and neither yields a single byte of plaintext.
 */
export function open(text: string, key: FallbackKey): FallbackPayload | OpenFailure {
  const parts = decodeEnvelope(text);
  if (typeof parts === 'string') return parts;
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.reveal(), parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(parts.tag);
    plain = Buffer.concat([decipher.update(parts.data), decipher.final()]).toString('utf8');
  } catch {
    return 'authentication';
  }
  let payload: Partial<FallbackPayload>;
  try {
    payload = JSON.parse(plain) as Partial<FallbackPayload>;
  } catch {
    return 'malformed';
  }
  if (payload?.version !== VERSION) return 'version';
  if (typeof payload.fetchedAt !== 'number' || !Number.isFinite(payload.fetchedAt) || typeof payload.scope !== 'string' || !isValues(payload.values)) return 'malformed';
  return payload as FallbackPayload;
}
