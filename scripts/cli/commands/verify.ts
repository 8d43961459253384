/**
 * `assets verify [SELECTION] [--deep] [--repair]`: checks that what the run log says was committed
 * is still on disk as it was written. Each materialization records its files (size, mtime,
 * SHA-256); the default check compares size and mtime (hashing only files whose mtime moved),
 * `--deep` hashes every file, `--repair` rematerializes each damaged asset-partition.
 */
import type { Command } from 'commander';
import { categoryOf, type AssetGraph, type AssetKey, type FileProblem } from '../../../assets/core';
import type { Environment as RunEnvironment } from '../../../jobs/engine';
import { loadGraph, type GlobalOptions } from '../context';
import { EXIT, UserError } from '../errors';
import { color, printJson, table } from '../output';
import { executeRun } from '../run/execute';
import { withEnvironment } from '../run/environment';
import { selectOrExplain } from '../selection';

/** One asset-partition whose files are not as committed. */
export interface DamagedPartition {
  readonly key: AssetKey;
  readonly partition: string | null;
  readonly problems: readonly FileProblem[];
}

export interface VerifyReport {
  readonly partitions: number;
  readonly files: number;
  readonly bytes: number;
  /** Materializations recorded before files were tracked: nothing to compare them with. */
  readonly untracked: number;
  readonly damaged: readonly DamagedPartition[];
}

/** Compares every recorded file of the batch assets `keys` with the disk. */
export async function verifyAssets(graph: AssetGraph, keys: readonly AssetKey[], env: RunEnvironment, deep: boolean): Promise<VerifyReport> {
  const snap = await env.runLog.snapshot();
  let partitions = 0;
  let files = 0;
  let bytes = 0;
  let untracked = 0;
  const damaged: DamagedPartition[] = [];
  for (const key of keys) {
    if (categoryOf(graph.get(key), graph.kinds) !== 'batch') continue;
    for (const p of snap.materializedPartitions(key)) {
      const m = snap.latestMaterialization(key, p)!;
      partitions++;
      if (!m.files || !env.verifyFiles) {
        untracked++;
        continue;
      }
      files += m.files.length;
      for (const f of m.files) bytes += f.size;
      const problems = env.verifyFiles(m.files, deep);
      if (problems.length) damaged.push({ key, partition: p, problems });
    }
  }
  return { partitions, files, bytes, untracked, damaged };
}

/** Rebuilds each damaged asset-partition, one run each, forced (a deep-found change keeps its data version). */
async function repair(graph: AssetGraph, g: GlobalOptions, damaged: readonly DamagedPartition[]): Promise<void> {
  for (const d of damaged) {
    await executeRun({
      graph,
      graphModule: g.graph,
      envName: g.env,
      keys: [d.key],
      selection: d.key,
      request: d.partition === null ? { type: 'latest' } : { type: 'range', from: d.partition, to: d.partition },
      command: 'materialize',
      force: true,
    });
  }
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('check that every committed file is still on disk as written (size and mtime; --deep: checksums); --repair rebuilds what is damaged')
    .argument('[selection]', 'assets to verify (default: all)')
    .option('--deep', 'hash every file and compare its SHA-256 with the one recorded at commit')
    .option('--repair', 'rematerialize every damaged asset-partition, then verify again')
    .option('--json', 'print JSON')
    .action(async (selection: string | undefined, opts: { deep?: boolean; repair?: boolean; json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(g.graph);
      const keys = selectOrExplain(graph, selection);
      const deep = Boolean(opts.deep);
      let report = await withEnvironment(g.env, g.graph, (env) => verifyAssets(graph, keys, env, deep));
      const found = report.damaged;
      if (opts.repair && found.length) {
        if (!opts.json) console.log(color.yellow(`repairing ${found.length} damaged asset-partition(s)...`));
        await repair(graph, g, found);
        report = await withEnvironment(g.env, g.graph, (env) => verifyAssets(graph, keys, env, deep));
      }
      if (opts.json) printJson({ deep, repaired: opts.repair ? found.length - report.damaged.length : 0, ...report });
      else {
        const scope = `${report.partitions} asset-partition(s), ${report.files} file(s), ${(report.bytes / 1e6).toFixed(1)} MB${deep ? ', checksums' : ', size and mtime'}`;
        if (report.untracked) console.log(color.dim(`${report.untracked} asset-partition(s) were committed before files were recorded: rematerialize them to track them`));
        if (report.damaged.length) {
          console.log(
            table(
              ['ASSET', 'PARTITION', 'FILE', 'PROBLEM'],
              report.damaged.flatMap((d) => d.problems.map((p) => [d.key, d.partition ?? '-', p.path, `${p.problem}: ${p.detail}`])),
            ),
          );
        } else if (report.files === 0) {
          // Nothing recorded is nothing verified: say so rather than "all intact".
          console.log(color.yellow(`nothing to verify: no materialization${selection ? ` of '${selection}'` : ''} has recorded files yet (materialize first)`));
        } else console.log(color.green(`verified ${scope}: all intact${opts.repair && found.length ? ` (repaired ${found.length})` : ''}`));
      }
      if (report.damaged.length) {
        throw new UserError(
          `${report.damaged.length} asset-partition(s) damaged${opts.repair ? ' after repair' : ''}; rebuild them with \`assets verify ${selection ?? ''}${selection ? ' ' : ''}--repair\``,
          EXIT.runFailed,
        );
      }
    });
}
