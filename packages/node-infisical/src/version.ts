// Written by scripts/write-version.mjs from package.json at build time; edit the version there.
export const VERSION = '0.1.0';
