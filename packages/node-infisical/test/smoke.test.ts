import { describe, expect, it } from 'vitest';
import { emulatorName } from '@infisical-k8s/emulator';

describe('workspace resolution', () => {
  it('resolves workspace packages to src', () => {
    expect(emulatorName).toBe('emulator');
  });
});
