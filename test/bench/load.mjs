// The load generator, in its own process so it does not share an event loop with the servers it measures.
import autocannon from 'autocannon';

process.on('message', async ({ url, duration, connections }) => {
  const result = await autocannon({ url, duration, connections, pipelining: 1 });
  process.send({
    requests: result.requests.average,
    total: result.requests.total,
    p99: result.latency.p99,
    p50: result.latency.p50,
    errors: result.errors + result.non2xx,
  });
});
