// Where the emulator does not (yet) answer a peer client the way a real Infisical does. Each entry names the
// route, what the client sends and what it expects. A test that hits an open gap is an `it.fails` whose title
// carries the entry, so it turns red the day the emulator closes the gap: then make it an `it` and drop the entry.
export const GAPS = {
  folders:
    'emulator gap (current generation): POST /api/v1/folders answers the folder without `description` and `path` (a current server answers SecretFoldersSchema + path, keeping the description sent), and GET /api/v1/folders ignores recursive=true (a current server lists every folder below `path`, each with a relativePath)',
  updateMissingText:
    "emulator gap (current generation): PATCH /api/v3/secrets/raw/:secretName for a missing name answers 404 \"Secret with name 'NAME' not found\"; a current server (secret-v2-bridge updateSecret) answers 404 \"Secret with name NAME not found\", without quotes (the quoted text is the single-secret read's)",
  updateEcho:
    'emulator gap (current generation): PATCH /api/v3/secrets/raw/:secretName answers the stored value and comment; a current server (secret-v2-bridge updateSecret) reshapes the answer from its input, so an update without secretValue/secretComment answers "" for them while the stored values are unchanged',
  deleteMissingText:
    'emulator gap (current generation): DELETE /api/v3/secrets/raw/:secretName for a missing name answers 404 "Secret with name \'NAME\' not found"; a current server (secret-v2-bridge deleteSecret) answers 404 "Secret not found"',
} as const;
