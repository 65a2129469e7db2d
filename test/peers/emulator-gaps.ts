// Where the emulator does not (yet) answer a peer client the way a real Infisical does. Each entry names the
// route, what the client sends and what it expects. A test that hits an open gap is an `it.fails` whose title
// carries the entry, so it turns red the day the emulator closes the gap: then make it an `it` and drop the entry.
export const GAPS = {
  folders:
    'emulator gap: POST /api/v1/folders (JSON {workspaceId, environment, name, path, description}) -> 200 {folder} and GET /api/v1/folders?workspaceId&environment&path&recursive -> 200 {folders} are not routed (router 404)',
} as const;
