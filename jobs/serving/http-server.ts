/**
 * The local HTTP server of `assets serve`: each request becomes a Lambda Function URL event
 * (payload v2) for the same handler that runs on AWS, and the handler's result becomes the
 * response. Keep-alive is held for 65 s (Node's default of 5 s would drop clients that ask every
 * few seconds, which is exactly how storefront users behave).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { UserError } from '../../assets/core';

export type UrlHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const MAX_BODY = 256 * 1024;

/** Converts a Node request (and its body) into a Function URL event. */
export function toUrlEvent(req: http.IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query: Record<string, string> = {};
  // Function URLs join repeated parameters with commas.
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
      requestId: `${now}-${Math.random().toString(36).slice(2, 10)}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body.length ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
  };
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1 (or `host`) at `port` (0 = any free port). */
export async function serveHandler(handler: UrlHandler, options: { port?: number; host?: string } = {}): Promise<LocalServer> {
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `body larger than ${MAX_BODY} bytes` }));
        return;
      }
      handler(toUrlEvent(req, Buffer.concat(chunks))).then(
        (r) => {
          const body = r.body ?? '';
          res.writeHead(r.statusCode ?? 200, { ...(r.headers as Record<string, string>), 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
        (e: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `handler failed: ${e.message}` }));
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.maxRequestsPerSocket = 0;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new UserError(`port ${options.port} is already in use on ${host}: pass --port with a free port`) : e));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
