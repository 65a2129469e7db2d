/**
 * SSE framing edge cases, from a bare loopback server that writes exactly the bytes under test (the
 * emulator always frames cleanly): split chunks, CRLF, comments, a BOM, multi-line and non-JSON data.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalResponseError, type ProjectEvent } from 'node-infisical';
import { rejectionOf } from './helpers.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves the given chunks (with a pause between them) as the answer to any request. */
async function serve(chunks: string[], contentType = 'text/event-stream'): Promise<InfisicalClient> {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': contentType });
    let i = 0;
    const write = () => {
      if (i === chunks.length) return void res.end();
      res.write(chunks[i++]);
      setTimeout(write, 5);
    };
    write();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new InfisicalClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 'test-token', retry: false });
}

const register = [{ event: 'secret:update' as const }];

describe('Method: events.subscribe — framing', () => {
  it('reassembles events split across chunks, with CRLF, comments, a BOM and pings', async () => {
    const client = await serve([
      '\uFEFF: welcome\r\n\r\n',
      'event: ping\r\n\r\n',
      'id: 17\r\nevent: secret:up',
      'date\r\ndata: {"type":"secret-manager","data":{"eventType":"secret:update",',
      '"payload":[{"environment":"prod","secretPath":"/","secretKeys":"A"}]}}\r\n\r\n',
      'event: secret:delete\ndata: first line\ndata: second line\n\n',
      'data: {"no":"event name"}\n\n',
      'event: error\ndata: {"message":"Permission denied or refresh failed"}\n\n',
    ]);
    const seen: ProjectEvent[] = [];
    for await (const event of await client.events.subscribe({ projectId: 'p', register })) seen.push(event);
    expect(seen).toEqual([
      { event: 'secret:update', id: '17', data: { type: 'secret-manager', data: { eventType: 'secret:update', payload: [{ environment: 'prod', secretPath: '/', secretKeys: 'A' }] } } },
      { event: 'secret:delete', id: '17', data: 'first line\nsecond line' },
      { event: 'message', id: '17', data: { no: 'event name' } },
      { event: 'error', id: '17', data: { message: 'Permission denied or refresh failed' } },
    ]);
  });

  it('drops an event the stream ends in the middle of', async () => {
    const client = await serve(['event: secret:update\ndata: {"a":1}\n\n', 'event: secret:update\ndata: {"trunc']);
    const seen: ProjectEvent[] = [];
    for await (const event of await client.events.subscribe({ projectId: 'p', register })) seen.push(event);
    expect(seen).toEqual([{ event: 'secret:update', data: { a: 1 } }]);
  });

  it('rejects a 200 that is not an event stream (a buffering proxy)', async () => {
    const client = await serve(['{"ok":true}'], 'application/json');
    const error = await rejectionOf(client.events.subscribe({ projectId: 'p', register }));
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect((error as Error).message).toContain('text/event-stream');
  });
});
