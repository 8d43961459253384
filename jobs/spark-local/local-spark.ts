/**
 * A local Spark 3.5 process that runs the Glue and EMR scripts unchanged (jobs/spark-local/runner.py):
 * started once, it keeps one SparkSession (local[2], small shuffle, no UI) and runs one script
 * invocation at a time with the arguments the AWS launchers pass. `close()` stops it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { requireLocalSpark } from './python-env';

export interface LocalSparkOptions {
  /** JDBC connections by Glue connection name, as Glue's extract_jdbc_conf returns them. */
  readonly jdbcConnections?: Readonly<Record<string, { fullUrl: string; user: string; password: string }>>;
  /** Spark master. @default 'local[2]' */
  readonly master?: string;
  /** @default '2g' */
  readonly driverMemory?: string;
  /** Lines Spark and the scripts print (stderr); by default only kept for error messages. */
  readonly log?: (line: string) => void;
  /** Extra environment for the Python process (e.g. TZ, to prove time-zone independence). */
  readonly env?: Readonly<Record<string, string>>;
}

/** What one script run reported: its `{"headwater": "result", ...}` line and its wall time. */
export interface ScriptResult {
  readonly result: Record<string, unknown> | null;
  readonly ms: number;
}

/** A script run that failed: the script's own error, with the end of Spark's output. */
export class SparkScriptError extends Error {
  override name = 'SparkScriptError';
}

interface Answer {
  readonly id: string;
  readonly ok: boolean;
  readonly result?: Record<string, unknown> | null;
  readonly error?: string;
  readonly ms: number;
}

const MARK = '@@headwater ';
const TAIL_LINES = 40;

export class LocalSpark {
  private readonly waiting = new Map<string, (a: Answer) => void>();
  private readonly tail: string[] = [];
  private next = 0;
  private exited: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** How long Spark took to start, ms. */
  startMs = 0;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  /** Starts Spark; resolves once the SparkSession is up (throws SparkNotSetUpError if spark:setup was not run). */
  static async start(options: LocalSparkOptions = {}): Promise<LocalSpark> {
    const env = requireLocalSpark();
    const t0 = Date.now();
    const child = spawn(env.python, [path.join(__dirname, 'runner.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        JAVA_HOME: env.javaHome,
        PYSPARK_PYTHON: env.python,
        PYSPARK_DRIVER_PYTHON: env.python,
        HEADWATER_SPARK_JARS: env.postgresJar,
        HEADWATER_SPARK_MASTER: options.master ?? 'local[2]',
        HEADWATER_SPARK_DRIVER_MEMORY: options.driverMemory ?? '2g',
        HEADWATER_JDBC_CONNECTIONS: JSON.stringify(options.jdbcConnections ?? {}),
        ...options.env,
      },
    });
    const spark = new LocalSpark(child);
    const early: string[] = [];
    let started = false;
    await new Promise<void>((resolve, reject) => {
      spark.waiting.set('ready', () => resolve());
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.startsWith(MARK)) return spark.keep(line);
        const answer = JSON.parse(line.slice(MARK.length)) as Answer;
        spark.waiting.get(answer.id)?.(answer);
      });
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        spark.keep(line);
        if (!started) early.push(line);
        options.log?.(line);
      });
      child.on('exit', (code, signal) => {
        const why = `local Spark exited (${signal ?? `code ${code}`})`;
        if (started) spark.fail(why);
        else reject(new SparkScriptError(`${why} while starting:\n${early.slice(-TAIL_LINES).join('\n')}`));
      });
      child.on('error', (e) => reject(new SparkScriptError(`cannot start local Spark: ${e.message}`)));
    });
    started = true;
    spark.waiting.delete('ready');
    spark.startMs = Date.now() - t0;
    return spark;
  }

  private keep(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  private fail(why: string): void {
    this.exited = why;
    for (const [id, resolve] of this.waiting) resolve({ id, ok: false, error: why, ms: 0 });
    this.waiting.clear();
  }

  /** Runs a repo script (path relative to jobs/) with `argv`; throws SparkScriptError when it fails. */
  run(script: string, argv: readonly string[]): Promise<ScriptResult> {
    const go = async (): Promise<ScriptResult> => {
      if (this.exited) throw new SparkScriptError(this.exited);
      const id = String(++this.next);
      this.tail.length = 0;
      const answer = await new Promise<Answer>((resolve) => {
        this.waiting.set(id, resolve);
        this.child.stdin.write(JSON.stringify({ id, script: path.resolve(__dirname, '..', script), argv }) + '\n');
      });
      this.waiting.delete(id);
      if (!answer.ok) throw new SparkScriptError(`${script} failed on local Spark: ${answer.error}\n${this.tail.filter((l) => l.trim() && !/^\s+at /.test(l)).slice(-15).join('\n')}`);
      return { result: answer.result ?? null, ms: answer.ms };
    };
    // One script at a time: they share the session's temp views.
    const run = this.queue.then(go, go);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops Spark at once (a cancelled run): the script in flight fails, nothing it staged is committed. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Stops the Spark process (closing stdin ends the runner; killed if it lingers). */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
  }
}
