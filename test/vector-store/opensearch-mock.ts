/** An OpenSearch client over a recording mock connection: no cluster or collection involved. */
import { Readable } from 'node:stream';
import { Client, Connection } from '@opensearch-project/opensearch';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The query string, serialized (`only_expunge_deletes=true`). */
  readonly query?: string;
}

/** A client whose requests are recorded in `seen` and answered from `routes`. */
export function mockSearchClient(routes: (req: SeenRequest) => { status?: number; body: unknown }): { client: Client; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  class MockConnection extends Connection {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override request(params: any, callback: (err: Error | null, res: any) => void): any {
      const raw = params.body === undefined || params.body === null || params.body === '' ? undefined : String(params.body);
      let body: unknown = raw;
      // Bulk bodies are NDJSON: one parsed object per line.
      if (raw !== undefined) body = params.path === '/_bulk' ? raw.trim().split('\n').map((l) => JSON.parse(l) as unknown) : JSON.parse(raw);
      const req = { method: String(params.method), path: decodeURIComponent(String(params.path)), body, query: String(params.querystring ?? '') };
      seen.push(req);
      const answer = routes(req);
      const payload = JSON.stringify(answer.body);
      const stream = Readable.from([Buffer.from(payload)]) as Readable & { statusCode: number; headers: Record<string, string> };
      stream.statusCode = answer.status ?? 200;
      stream.headers = { 'content-type': 'application/json;charset=utf-8', 'content-length': String(Buffer.byteLength(payload)) };
      process.nextTick(callback, null, stream);
      return { abort() {}, removeAllListeners() {} };
    }
  }
  return { client: new Client({ node: 'http://mock.invalid:9200', Connection: MockConnection, maxRetries: 0 }), seen };
}
