// The machine's claim service: its mocha workers ask it (loopback HTTP) for the next unit; it claims from the shared queue.
//
// So workers never load the AWS SDK nor open connections of their own: one client, in the machine's own process.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueueSettings } from './settings.js';
import type { Claim } from './store.js';

/** What a worker sends: its stub's spec key. */
export interface ClaimAsk {
  readonly stub: string;
  readonly secret: string;
}

export interface ClaimService extends AsyncDisposable {
  readonly settings: QueueSettings;
}

/** Serves `take(stub)` on 127.0.0.1 (a random port); answers the claim as JSON, or null when none is left. */
export async function serveClaims(take: (stub: string) => Promise<Claim | undefined>): Promise<ClaimService> {
  const secret = randomBytes(16).toString('hex');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let ask: ClaimAsk;
      try {
        ask = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ClaimAsk;
      } catch {
        res.writeHead(400).end('not JSON');
        return;
      }
      if (req.method !== 'POST' || ask.secret !== secret || typeof ask.stub !== 'string') {
        res.writeHead(403).end('not this machine');
        return;
      }
      take(ask.stub).then(
        (claim) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(claim ?? null)),
        (e: unknown) => res.writeHead(500).end(String((e as Error).message ?? e)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    settings: { url: `http://127.0.0.1:${port}/claim`, secret },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
