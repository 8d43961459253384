/**
 * The load client of `bench:serve`, run as its own process so it does not share the server's
 * event loop: C keep-alive connections, each asking once every C/rate seconds at its own phase,
 * i.e. an open-loop offered rate of `rate` requests/s. Latency is measured from each request's
 * scheduled time (not from when it was sent), so a slow server cannot hide queueing
 * (no coordinated omission). Loopback only.
 *
 *   tsx scripts/bench/serve-load.ts --url http://127.0.0.1:P --connections 10000 --rate 2000 \
 *     --seconds 20 --customers 103-10102 --products codes.json
 *
 * Prints one JSON line: { offered, connections, completed, rps, p50Ms, p99Ms, maxMs, errors, ... }.
 */
import fs from 'node:fs';
import net from 'node:net';

interface Args {
  url: URL;
  connections: number;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  customers: [number, number];
  products: string[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, def?: string) => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : def;
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  };
  const [lo, hi] = get('customers', '103-1102').split('-').map(Number);
  return {
    url: new URL(get('url')),
    connections: Number(get('connections', '10000')),
    rate: Number(get('rate', '2000')),
    seconds: Number(get('seconds', '20')),
    warmupSeconds: Number(get('warmup', '5')),
    customers: [lo, hi],
    products: JSON.parse(fs.readFileSync(get('products'), 'utf8')) as string[],
  };
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const period = (a.connections / a.rate) * 1000;
  const host = a.url.hostname;
  const port = Number(a.url.port);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const request = () => {
    const c = a.customers[0] + Math.floor(rand() * (a.customers[1] - a.customers[0] + 1));
    const p = a.products[Math.floor(rand() * a.products.length)];
    return `GET /recommendations?customer_number=${c}&product_code=${encodeURIComponent(p)}&k=10 HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n\r\n`;
  };

  interface Conn {
    socket: net.Socket;
    pending: { at: number; measured: boolean }[];
    buf: string;
    alive: boolean;
  }
  const latencies: number[] = [];
  let errors = 0;
  let non200 = 0;
  let completed = 0;
  let connectErrors = 0;

  const conns: Conn[] = [];
  const onData = (c: Conn, chunk: string) => {
    c.buf += chunk;
    for (;;) {
      const end = c.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = c.buf.slice(0, end);
      const m = /content-length:\s*(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      // Bodies are ASCII JSON, so string length equals byte length.
      if (c.buf.length < end + 4 + len) return;
      c.buf = c.buf.slice(end + 4 + len);
      const req = c.pending.shift();
      if (!req) continue;
      const status = Number(head.slice(9, 12));
      if (req.measured) {
        completed++;
        if (status !== 200) non200++;
        latencies.push(performance.now() - req.at);
      }
    }
  };

  // Connect in waves: the server's accept backlog (511) would drop a burst of 10,000 SYNs.
  const connectOne = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect({ host, port, noDelay: true });
      const c: Conn = { socket, pending: [], buf: '', alive: false };
      socket.setEncoding('latin1');
      socket.on('connect', () => {
        c.alive = true;
        conns.push(c);
        resolve();
      });
      socket.on('data', (d: string) => onData(c, d));
      socket.on('error', () => {
        if (!c.alive) {
          connectErrors++;
          resolve();
        }
      });
      socket.on('close', () => {
        if (c.alive) errors += c.pending.filter((p) => p.measured).length;
        c.pending = [];
        c.alive = false;
      });
    });
  const connectStarted = performance.now();
  for (let i = 0; i < a.connections; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, a.connections - i) }, connectOne));
  }
  const connectMs = performance.now() - connectStarted;

  // Connection i asks at t0 + phase_i + n * period.
  const t0 = performance.now() + 100;
  const measureFrom = t0 + a.warmupSeconds * 1000;
  const measureTo = measureFrom + a.seconds * 1000;
  const n = conns.length;
  const next = conns.map((_, i) => t0 + (i / n) * period);
  let cursor = 0; // connections are due in index order within each period
  let round = 0;
  let offeredInWindow = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (;;) {
        const due = next[cursor] + round * period;
        if (due > now) break;
        if (due >= measureTo) return resolve();
        const c = conns[cursor];
        const measured = due >= measureFrom;
        if (measured) offeredInWindow++;
        if (c.alive) {
          c.pending.push({ at: due, measured });
          c.socket.write(request());
        } else if (measured) errors++;
        cursor++;
        if (cursor === n) {
          cursor = 0;
          round++;
        }
      }
      // A 1 ms timer, not setImmediate: a spinning client would steal the shared CPU from the server.
      setTimeout(tick, 1);
    };
    tick();
  });
  // Let the last requests answer (up to 5 s); what is still pending then counts as an error.
  const drainEnd = performance.now() + 5000;
  while (performance.now() < drainEnd && conns.some((c) => c.pending.some((p) => p.measured))) await new Promise((r) => setTimeout(r, 20));
  const unanswered = conns.reduce((s, c) => s + c.pending.filter((p) => p.measured).length, 0);
  for (const c of conns) c.socket.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const result = {
    offered: a.rate,
    connections: a.connections,
    connected: n,
    connectErrors,
    connectMs: Math.round(connectMs),
    seconds: a.seconds,
    offeredInWindow,
    completed,
    rps: Math.round(completed / a.seconds),
    p50Ms: Number(percentile(sorted, 50).toFixed(2)),
    p99Ms: Number(percentile(sorted, 99).toFixed(2)),
    maxMs: Number((sorted[sorted.length - 1] ?? NaN).toFixed(2)),
    errors: errors + non200 + unanswered + connectErrors,
    non200,
    unanswered,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e: Error) => {
  process.stderr.write(`serve-load: ${e.message}\n`);
  process.exitCode = 1;
});
