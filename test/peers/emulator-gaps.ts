// Where the emulator does not (yet) answer a peer client the way a real Infisical does. Each entry names the
// route, what the client sends and what it expects. A test that hits an open gap is an `it.fails` whose title
// carries the entry, so it turns red the day the emulator closes the gap: then make it an `it` and drop the entry.
export const GAPS = {
  folders:
    'emulator gap (current generation): POST /api/v1/folders answers the folder without `description` and `path` (a current server answers SecretFoldersSchema + path, keeping the description sent), and GET /api/v1/folders ignores recursive=true (a current server lists every folder below `path`, each with a relativePath)',
  secretReminders:
    'emulator gap: POST|PATCH /api/v3/secrets/raw/:secretName drop secretReminderNote and secretReminderRepeatDays (every answer has null); a real server stores both and answers them back on the secret',
} as const;
