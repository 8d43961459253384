/**
 * moto's server for a test: started from the project's venv (`npm run spark:setup` installs
 * `moto[server]` there) on 127.0.0.1 and a port the OS picks, with Step Functions execution on.
 * Lambda invocations come back to this process (moto would need Docker to run them): `lambdas`
 * answers each with the function's real handler, run with the function's environment variables.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { pythonEnv } from '../../../jobs/spark-local/python-env';
import { withEnv } from '../../setup/environment';

/** Runs one invocation of a function: its name, its environment variables (as deployed), the event. */
export type LambdaRuntime = (functionName: string, environment: Record<string, string>, event: unknown) => Promise<unknown>;

/** Runs one Glue job run (moto's runs do nothing): the job's name and the run's arguments; throwing fails the run. */
export type GlueRuntime = (jobName: string, args: Record<string, string>) => Promise<void>;

export interface Moto {
  /** `http://127.0.0.1:<port>`: the endpoint for SDK clients (and AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  /** Bodies of the SNS notifications delivered to `notificationsUrl`, oldest first. */
  readonly notifications: { Subject?: string; Message: string }[];
  /** An HTTP endpoint of this process an SNS topic can be subscribed to. */
  readonly notificationsUrl: string;
  stop(): Promise<void>;
}

const LAUNCHER = path.join(__dirname, 'moto_server.py');

/** Why moto cannot be started here, or undefined when it can (the venv exists and imports moto). */
export function motoUnavailable(): string | undefined {
  const { venv, python } = pythonEnv();
  if (!fs.existsSync(python)) return `no Python venv at ${venv}: run \`npm run spark:setup\` (it installs moto[server] there)`;
  const r = spawnSync(python, ['-c', 'import moto.server, moto.stepfunctions.parser'], { encoding: 'utf8' });
  // A venv without moto is an outdated setup, not a reason to skip: say how to fix it.
  if (r.status !== 0) throw new Error(`moto[server] does not import in ${venv}; rerun \`npm run spark:setup\` (python/requirements-aws.txt):\n${r.stderr.trim()}`);
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The HTTP server moto's Lambda and SNS deliveries call back into. */
async function callbackServer(lambdas: LambdaRuntime, notifications: Moto['notifications'], glue?: GlueRuntime): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url === '/sns') {
        const message = JSON.parse(body) as { Type?: string; Subject?: string; Message: string };
        if (message.Type === 'Notification') notifications.push({ Subject: message.Subject, Message: message.Message });
        res.end();
        return;
      }
      if (req.url === '/glue' && glue) {
        const run = JSON.parse(body) as { jobName: string; arguments: Record<string, string> };
        let answer: { ok: boolean; error?: string };
        try {
          await glue(run.jobName, run.arguments);
          answer = { ok: true };
        } catch (e) {
          answer = { ok: false, error: (e as Error).message };
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer));
        return;
      }
      const call = JSON.parse(body) as { functionName: string; environment: Record<string, string>; event: unknown };
      let answer: { payload: unknown; errored: boolean };
      try {
        answer = { payload: (await lambdas(call.functionName, call.environment, call.event)) ?? null, errored: false };
      } catch (e) {
        // Lambda's own shape of a handler error: Step Functions reads errorType as the error name.
        answer = { payload: { errorType: (e as Error).name, errorMessage: (e as Error).message }, errored: true };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    })().catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Waits for the launcher's `{"port": N}` line; fails with its stderr if it exits first. */
function portOf(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`moto did not start within ${timeoutMs} ms:\n${err}`)), timeoutMs);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto exited with ${code} before listening:\n${err}`));
    });
  });
}

export async function startMoto(lambdas: LambdaRuntime, options: { glue?: GlueRuntime } = {}): Promise<Moto> {
  const notifications: Moto['notifications'] = [];
  const callbacks = await callbackServer(lambdas, notifications, options.glue);
  const base = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}`;
  const child = spawn(pythonEnv().python, [LAUNCHER], {
    env: { ...process.env, HEADWATER_LAMBDA_URL: `${base}/lambda`, ...(options.glue ? { HEADWATER_GLUE_URL: `${base}/glue` } : {}), PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // moto's own log (werkzeug's request lines, tracebacks), shown when HEADWATER_MOTO_LOG names a file.
  if (process.env.HEADWATER_MOTO_LOG) child.stderr!.pipe(fs.createWriteStream(process.env.HEADWATER_MOTO_LOG));
  const stop = async () => {
    // Closing its standard input stops the launcher; a kill of its own pid if it does not.
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => callbacks.close(() => resolve()));
  };
  let port: number;
  try {
    port = await portOf(child, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: `http://127.0.0.1:${port}`, notifications, notificationsUrl: `${base}/sns`, stop };
}

/** SDK client settings for moto's server in `region`. */
export const motoClientConfig = (moto: Moto, region: string) => ({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/**
 * Points this process at moto (the SDK's default chain and AWS_ENDPOINT_URL, as the CLI and the
 * handlers run by the test read them), with `home` as HEADWATER_HOME; returns the undo.
 */
export function useMoto(moto: Moto, region: string, home: string): () => void {
  return withEnv({
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    HEADWATER_HOME: home,
    NO_COLOR: '1',
  });
}

/** Runs a function's handler with the function's own environment variables, as Lambda gives them. */
export async function inFunctionEnvironment<T>(environment: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const undo = withEnv(environment);
  try {
    return await run();
  } finally {
    undo();
  }
}

/** Skips the suite of `context` (a `before` hook's `this`), saying why, when moto cannot start here. */
export function skipWithoutMoto(context: { skip(): void }): void {
  const why = motoUnavailable();
  if (!why) return;
  console.log(`    skipped: moto is not installed here (${why})`);
  context.skip();
}
