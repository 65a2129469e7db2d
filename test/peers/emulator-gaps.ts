// Where the emulator does not (yet) answer a peer client the way a real Infisical does. Each entry names the
// route, what the client sends and what it expects. A test that hits an open gap is an `it.fails` whose title
// carries the entry, so it turns red the day the emulator closes the gap: then make it an `it` and drop the entry.
export const GAPS = {
  v3SecretWrites:
    'emulator gap: POST|PATCH|DELETE /api/v3/secrets/raw/:secretName are not routed (router 404). @infisical/sdk 5.0.2 sends a JSON body {workspaceId, environment, secretPath?, secretValue, secretComment?, newSecretName?, type?} and expects 200 {secret}; duplicate create 400 "Secret already exist", unknown name 404 "Secret with name \'<name>\' not found"',
  secretVersionRead:
    'emulator gap: GET /api/v3/secrets/raw/:secretName ignores ?version=N; a real server answers that version\'s value (errata: "A single-secret read honours version")',
  tagSlugsFilter:
    'emulator gap: GET /api/v3/secrets/raw ignores ?tagSlugs=...; a real server returns only secrets carrying one of the tags (errata: "tagSlugs and metadataFilter filter the list")',
  folders:
    'emulator gap: POST /api/v1/folders (JSON {workspaceId, environment, name, path, description}) -> 200 {folder} and GET /api/v1/folders?workspaceId&environment&path&recursive -> 200 {folders} are not routed (router 404)',
  environments:
    'emulator gap: POST /api/v1/workspace/:projectId/environments (JSON {projectId, name, slug, position}) -> 200 {message, workspace, environment} is not routed (router 404)',
  formBodies:
    'emulator gap: POST /api/v1/auth/kubernetes-auth/login with Content-Type application/x-www-form-urlencoded (body identityId=<uuid>&jwt=<token>, as the Rust core of @infisical/sdk 2.3.5 sends it) is answered 400 "Body is not valid JSON"; a real server registers a form-body parser and logs in (errata: "Request bodies")',
} as const;
