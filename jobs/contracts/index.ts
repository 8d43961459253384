/**
 * Source contracts against real schemas: the live source (information_schema) or a proposal
 * (a JSON schema dump or a SQL migration). The diff itself is pure: assets/core/contracts.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AssetGraph, ContractDiff } from '../../assets/core';
import { contractedSourceTables, diffSource, type SchemaSnapshot } from './live';
import { applyMigration, parseSchemaDump, ProposalError, type ApplyMigrationOptions } from './proposed';

export { readLiveSchema, checkSourceLive, diffSource, sourceTableOf, contractedSourceTables } from './live';
export type { SchemaSnapshot } from './live';
export { applyMigration, parseSchemaDump, ProposalError } from './proposed';
export type { AppliedMigration, ApplyMigrationOptions } from './proposed';
export { contractTypeOfPg } from './pg-types';

/** A proposed schema read from a file, with a name for the diff's header. */
export interface Proposal {
  readonly schema: SchemaSnapshot;
  readonly against: string;
  /** SQL statements that cannot affect a contract and were not applied. */
  readonly ignored: readonly string[];
  /** SQL statements the gate could not read, let through by --allow-unknown. */
  readonly unread: readonly string[];
}

/** Reads `--against FILE`: JSON (a schema dump) or SQL (a migration applied on `live`). */
export function loadProposal(file: string, live: () => SchemaSnapshot, options: ApplyMigrationOptions = {}): Proposal {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProposalError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const name = path.basename(file);
  const looksJson = file.endsWith('.json') || /^\s*\{/.test(text);
  if (looksJson) return { schema: parseSchemaDump(text, file), against: `the schema in ${name}`, ignored: [], unread: [] };
  const applied = applyMigration(live(), text, file, options);
  return { schema: applied.schema, against: `the live schema + migration ${name}`, ignored: applied.ignored, unread: applied.unread };
}

/** Diffs every contracted source table of the graph against one schema. */
export function checkAllContracts(graph: AssetGraph, schema: SchemaSnapshot, against: string): ContractDiff[] {
  return contractedSourceTables(graph).map(({ asset }) => diffSource(asset, schema, against));
}
