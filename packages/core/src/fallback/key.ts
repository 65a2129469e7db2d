import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { invalid, invalidOption } from '../options/check.js';
import { Redacted } from '../util/redacted.js';

/** Bytes of key material the fallback file needs: an AES-256 key's worth of randomness. */
export const FALLBACK_KEY_BYTES = 32;
const HOW_TO_MAKE_ONE = '32 random bytes as base64 or hex, for example `openssl rand -base64 32`';
/** Binds the derived key to this one use, so the same material used elsewhere yields another key. */
const HKDF_INFO = 'infisical-k8s fallback file v1';

/** The AES-256-GCM key of the fallback file, for node:crypto only (`reveal()`); printed, it shows `[redacted]`. */
export type FallbackKey = Redacted<Buffer>;

/** HKDF rather than the bytes as they are: the same material may serve another purpose without key reuse. */
function derive(material: Buffer): FallbackKey {
  return new Redacted(Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), HKDF_INFO, FALLBACK_KEY_BYTES)));
}

/** 32 bytes from hex or base64 (standard or URL-safe) text; undefined for anything else. */
function decodeText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === FALLBACK_KEY_BYTES) return bytes;
  }
  return undefined;
}

/**
 * Key material from `fallback.key` (a 32-byte Buffer, or its hex or base64 text). A passphrase is refused rather
 * than stretched: a key that is not random would protect every value in the file only as well as a guessable word.
 */
export function keyFromOption(name: string, value: unknown): FallbackKey {
  if (Buffer.isBuffer(value)) {
    if (value.length === FALLBACK_KEY_BYTES) return derive(value);
    const decoded = decodeText(value.toString('latin1'));
    if (decoded) return derive(decoded);
  } else if (typeof value === 'string') {
    const decoded = decodeText(value);
    if (decoded) return derive(decoded);
  }
  throw invalidOption(name, HOW_TO_MAKE_ONE, value, 'passphrases are not accepted');
}

/** Key material from a file (a mounted Secret): the hex or base64 text, or the 32 raw bytes. */
export function keyFromFile(option: string, path: string): FallbackKey {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    invalid(`${option} "${path}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): mount the key file or fix the path`);
  }
  const decoded = decodeText(content.toString('latin1'));
  if (decoded) return derive(decoded);
  if (content.length === FALLBACK_KEY_BYTES) return derive(content);
  invalid(`${option} "${path}" must hold ${HOW_TO_MAKE_ONE}, or the 32 raw bytes; it holds ${content.length} bytes of something else`);
}
