// An HTTP proxy in front of dynalite that throttles, fails with 5xx, or drops the reply after the write was applied.
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Faults {
  /** 400 ThrottlingException, not forwarded (the write did not happen). */
  throttle: number;
  /** 500 InternalServerError, not forwarded. */
  error500: number;
  /** Forwarded and applied, then the connection is cut: the client sees a network error for a write that succeeded. */
  lostReply: number;
  /** Forwarded and applied, then the reply is held past the client's timeout (a timed-out write that succeeded). */
  slowReply: number;
}

export type FaultCounts = Record<keyof Faults, number> & { requests: number };

export interface FaultyProxy {
  readonly url: string;
  readonly counts: FaultCounts;
  close(): void;
}

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startFaultyProxy(target: string, faults: Faults, slowMs = 4000): Promise<FaultyProxy> {
  const to = new URL(target);
  const counts: FaultCounts = { requests: 0, throttle: 0, error500: 0, lostReply: 0, slowReply: 0 };
  const server: Server = http.createServer((req, res) => {
    void (async () => {
      counts.requests += 1;
      const payload = await body(req);
      const roll = Math.random();
      let edge = faults.throttle;
      if (roll < edge) {
        counts.throttle += 1;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        return void res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded' }));
      }
      if (roll < (edge += faults.error500)) {
        counts.error500 += 1;
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        return void res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }));
      }
      const fate = roll < (edge += faults.lostReply) ? 'lost' : roll < edge + faults.slowReply ? 'slow' : 'ok';
      const up = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
        void body(upRes).then(async (reply) => {
          if (fate === 'lost') {
            counts.lostReply += 1;
            return void req.socket.destroy();
          }
          if (fate === 'slow') {
            counts.slowReply += 1;
            await new Promise((r) => setTimeout(r, slowMs));
          }
          if (res.destroyed) return;
          res.writeHead(upRes.statusCode ?? 500, upRes.headers);
          res.end(reply);
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(payload);
    })();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
