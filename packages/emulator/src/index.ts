export const emulatorName = 'emulator' as const;
