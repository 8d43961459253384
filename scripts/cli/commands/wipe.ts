import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { categoryOf, computeSettings, type AssetDefinition, type AssetGraph, type LakeStorage } from '../../../assets/core';
import type { VectorIndexSettings } from '../../../assets/kinds';
import { EmbeddedEnvironment } from '../../../jobs/embedded/environment';
import { localPaths } from '../../../jobs/embedded/paths';
import { loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { confirm } from '../confirm';
import { color } from '../output';
import { selectOrExplain } from '../selection';

/** The local folders holding `asset`'s data: its lake table and, for index assets, the index versions. */
export function localDataPaths(asset: AssetDefinition): string[] {
  const out: string[] = [];
  const storage = asset.storage as LakeStorage | undefined;
  if (storage?.kind === 'lake') out.push(path.join(localPaths.lake(), storage.zone ?? asset.zone, asset.name));
  if (asset.compute.kind === 'vector-index') out.push(path.join(localPaths.indexes(), computeSettings<VectorIndexSettings>(asset).alias));
  return out;
}

function wipeable(graph: AssetGraph, keys: readonly string[]): string[] {
  return keys.filter((k) => categoryOf(graph.get(k), graph.kinds) === 'batch');
}

export function register(program: Command): void {
  program
    .command('wipe')
    .description('local only: delete the data, index versions and recorded materializations of the selected assets')
    .argument('<selection>', "assets to wipe, e.g. 'analytics/*'")
    .option('--yes', 'do not ask for confirmation')
    .action(async (selection: string, opts: { yes?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (g.env !== 'local') throw new UserError(`wipe only deletes local data; --env ${g.env} is a deployed stack (empty its buckets with your own tooling)`);
      const graph = loadGraph(g.graph);
      const keys = wipeable(graph, selectOrExplain(graph, selection));
      if (!keys.length) throw new UserError(`the selection '${selection}' holds no materialized (batch) asset to wipe`);
      const folders = keys.flatMap((k) => localDataPaths(graph.get(k)));
      console.log(`This deletes, under ${localPaths.lake()} and ${localPaths.indexes()}:`);
      for (const k of keys) console.log(`  ${k}${localDataPaths(graph.get(k)).length ? '' : color.dim(' (run-log records only)')}`);
      if (!opts.yes && !(await confirm(`Wipe ${keys.length} asset${keys.length === 1 ? '' : 's'}?`, 'wipe'))) {
        console.log('nothing wiped');
        return;
      }
      for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
      const env = new EmbeddedEnvironment();
      try {
        await env.runLog.wipe(keys);
      } finally {
        await env.close();
      }
      console.log(color.green(`wiped ${keys.length} asset${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`));
    });
}
