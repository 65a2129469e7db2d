import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its crypto provider through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface ServerCredentials {
  cert: string;
  key: string;
}

export interface CertificateAuthority {
  /** PEM of the CA certificate: what clients trust. */
  cert: string;
  /** Issues a server certificate for loopback names. */
  issueServerCertificate(commonName: string): Promise<ServerCredentials>;
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${base64.trim()}\n-----END ${label}-----\n`;
}

/**
 * A throwaway CA made at start-up. Real TLS on loopback, so a wrong or missing CA fails as it does in production.
 * ECDSA P-256 keys: generated in milliseconds, accepted by Node's TLS.
 */
export async function createCertificateAuthority(name = 'infisical-k8s emulator CA'): Promise<CertificateAuthority> {
  const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1] & typeof webcrypto;
  const now = Date.now();
  const notBefore = new Date(now - 24 * 3600_000);
  const notAfter = new Date(now + 10 * 365 * 24 * 3600_000);
  const caKeys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${name}`,
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    cert: ca.toString('pem') + '\n',
    async issueServerCertificate(commonName: string): Promise<ServerCredentials> {
      const keys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create(
        {
          subject: `CN=${commonName}`,
          issuer: ca.subject,
          notBefore,
          notAfter,
          publicKey: keys.publicKey,
          signingKey: caKeys.privateKey,
          signingAlgorithm: EC,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
            new x509.SubjectAlternativeNameExtension(
              [
                { type: 'dns', value: 'localhost' },
                { type: 'ip', value: '127.0.0.1' },
                { type: 'ip', value: '::1' },
              ],
              false,
            ),
          ],
        },
        crypto,
      );
      const key = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
      return { cert: leaf.toString('pem') + '\n', key: pem('PRIVATE KEY', key) };
    },
  };
}
