/**
 * The repo files an asset's declaration names: its `code` list and the path-valued settings of
 * its kind (a SQL file, a Spark script, a Lambda handler). `validate` checks they exist, because
 * the graph layer is pure and cannot look at the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AssetDefinition, AssetGraph } from '../../assets/core';

/** Settings that hold a repo-relative file path, whatever the kind. */
const PATH_SETTINGS = ['sql', 'script', 'handler', 'transform'] as const;

/** Every repo-relative file `asset` names. */
export function namedFiles(asset: AssetDefinition): string[] {
  const settings = asset.compute as unknown as Record<string, unknown>;
  const fromSettings = PATH_SETTINGS.map((s) => settings[s]).filter((v): v is string => typeof v === 'string');
  return [...new Set([...asset.code, ...fromSettings])];
}

/** `key: message` for each named file that does not exist under `root`. */
export function missingCodeFiles(graph: AssetGraph, root: string): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  for (const key of graph.keys) {
    for (const file of namedFiles(graph.get(key))) {
      if (!fs.existsSync(path.join(root, file))) {
        problems.push({ key, message: `names ${file}, which does not exist; create it or fix the path in the declaration` });
      }
    }
  }
  return problems;
}
