/**
 * `--engine spark`: one local Spark for one run of the engine. Started on the first Spark step
 * (a run of only index loads never starts it) and stopped when the environment closes, so every
 * step of a run shares one SparkSession. The local source database is served on a loopback
 * Postgres port for the scripts' JDBC reads (source-wire.ts), under the connection name the
 * scripts are given, as Glue's connection is on AWS.
 */
import type { SourceAccess } from '../embedded/source';
import { LocalSpark, type ScriptResult } from './local-spark';
import { serveSourceOverWire, type SourceWire } from './source-wire';

/** The Glue connection name the scripts get locally (on AWS: the stack's connection). */
export const LOCAL_CONNECTION = 'headwater-local-source';
/** The bridge listens on loopback without TLS; on AWS the stack passes its TLS settings here. */
export const LOOPBACK_JDBC_OPTIONS: Readonly<Record<string, string>> = { sslmode: 'disable' };

export interface SparkEngineOptions {
  /** Spark's own output lines (by default only kept for error messages). */
  readonly log?: (line: string) => void;
}

export class SparkEngine {
  private starting: Promise<{ spark: LocalSpark; wire: SourceWire }> | undefined;

  /** Nothing starts until the first step (LocalSpark.start says what is missing when spark:setup was not run). */
  constructor(private readonly source: SourceAccess, private readonly options: SparkEngineOptions = {}) {}

  private start(): Promise<{ spark: LocalSpark; wire: SourceWire }> {
    this.starting ??= (async () => {
      const wire = await serveSourceOverWire(this.source);
      try {
        const spark = await LocalSpark.start({ jdbcConnections: { [LOCAL_CONNECTION]: { fullUrl: wire.jdbcUrl, user: wire.user, password: '' } }, log: this.options.log });
        return { spark, wire };
      } catch (e) {
        await wire.close();
        throw e;
      }
    })();
    return this.starting;
  }

  /** Starts Spark now rather than in the first step (a benchmark times the two apart); resolves with the start time, ms. */
  async ready(): Promise<number> {
    return (await this.start()).spark.startMs;
  }

  /** How long the SparkSession took to start, ms (0 until a step started it). */
  async startMs(): Promise<number> {
    return this.starting ? (await this.starting).spark.startMs : 0;
  }

  /** Runs a script (a path relative to jobs/, or absolute) on the run's session; aborting `signal` stops Spark. */
  async run(script: string, argv: readonly string[], signal: AbortSignal): Promise<ScriptResult> {
    const { spark } = await this.start();
    if (signal.aborted) throw new Error('cancelled before Spark started the step');
    const stop = () => spark.kill();
    signal.addEventListener('abort', stop, { once: true });
    try {
      return await spark.run(script, argv);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Stops Spark and the source's port (before the source itself closes: open connections hold it). */
  async close(): Promise<void> {
    const started = this.starting;
    this.starting = undefined;
    const s = await started?.catch(() => undefined);
    if (!s) return;
    await s.spark.close();
    await s.wire.close();
  }
}
