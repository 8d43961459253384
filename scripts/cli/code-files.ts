/**
 * The repo files an asset's declaration names: its `code` list and the file settings its kind
 * declares (`KindDescriptor.files`: a SQL file, a Spark script, a Lambda handler). `validate`
 * checks they exist, because the graph layer is pure and cannot look at the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { settingFiles, type AssetDefinition, type AssetGraph, type KindCatalog } from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';

/**
 * Every repo-relative file `asset` names. Its kind is looked up in the graph's catalog, then in
 * the platform's list (a graph defined without a catalog still uses the platform's kinds).
 */
export function namedFiles(asset: AssetDefinition, kinds: KindCatalog = new Map()): string[] {
  const catalog = kinds.has(asset.compute.kind) ? kinds : REFERENCE_KINDS;
  return [...new Set([...asset.code, ...settingFiles(asset, catalog)])];
}

/** `key: message` for each named file that does not exist under `root`. */
export function missingCodeFiles(graph: AssetGraph, root: string): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  for (const key of graph.keys) {
    for (const file of namedFiles(graph.get(key), graph.kinds)) {
      if (!fs.existsSync(path.join(root, file))) {
        problems.push({ key, message: `names ${file}, which does not exist; create it or fix the path in the declaration` });
      }
    }
  }
  return problems;
}
