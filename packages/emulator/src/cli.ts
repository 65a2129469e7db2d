import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from './emulator.js';
import { provision } from './provision.js';

function flag(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

/**
 * `infisical-k8s-emulator [--port N] [--kubernetes-port N] [--classic] [--tls]`: starts the emulator,
 * provisions a demo identity, project and projected token, prints what an app needs, and runs until Ctrl-C.
 */
export async function main(argv: string[]): Promise<void> {
  const emu = await startEmulator({
    infisicalPort: Number(flag(argv, '--port') ?? 0),
    kubernetesPort: Number(flag(argv, '--kubernetes-port') ?? 0),
    renewalMode: argv.includes('--classic') ? 'classic' : 'current',
    infisicalTls: argv.includes('--tls'),
  });
  const app = await provision(emu, { secrets: { GREETING: 'hello from the emulator', DATABASE_URL: 'postgres://app:app@localhost:5432/app', API_KEY: 'emulator-api-key' } });
  const caPath = join(app.projected.dir, '..', `emulator-ca-${process.pid}.pem`);
  await writeFile(caPath, emu.caCert);
  app.projected.startRotation(10 * 60_000);
  console.log(`Infisical (emulated):      ${emu.infisicalUrl}`);
  console.log(`Kubernetes API (emulated): ${emu.kubernetes.host}`);
  console.log(`Emulator CA:               ${caPath}`);
  console.log(`Admin client id:           ${emu.admin.clientId}`);
  console.log('');
  console.log('Environment for an app:');
  for (const [key, value] of Object.entries({ ...app.env, ...(argv.includes('--tls') ? { INFISICAL_CA_PATH: caPath } : {}) })) console.log(`export ${key}=${value}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  app.projected.stop();
  await emu.close();
}
