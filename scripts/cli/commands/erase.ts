import type { Command } from 'commander';
import { subjectsOf, type AssetGraph } from '../../../assets/core';
import { EmbeddedEnvironment } from '../../../jobs/embedded/environment';
import type { ErasureReport } from '../../../jobs/erasure/erasure';
import { eraseLocal, recordSourceCheck, refreshPending, scanLocal } from '../../../jobs/erasure/local';
import { parseSubjectRequest, type SubjectRequest } from '../../../jobs/erasure/requests';
import { confirm } from '../confirm';
import { eraseOnStack } from './erase-stack';
import { loadGraph, type GlobalOptions } from '../context';
import { EXIT, UserError } from '../errors';
import { color, printJson } from '../output';
import { describePending } from '../run/erasure-status';
import { describeRequest, plural, printScan } from '../run/erasure-output';

export interface EraseOptions {
  subject: string[];
  fromFile?: string;
  dryRun?: boolean;
  verify?: boolean;
  yes?: boolean;
  json?: boolean;
  pending?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
function summary(report: ErasureReport) {
  return {
    erasureId: report.erasureId,
    subjects: [...new Set(report.findings.map((f) => f.subject))].length,
    assetsTouched: report.assetsTouched,
    partitionsRewritten: report.partitionsRewritten,
    rowsRemoved: report.rowsRemoved,
    previousVersionsRemoved: report.erased.filter((e) => e.finding.what === 'previous-version').length,
  };
}

async function verify(graph: AssetGraph, request: SubjectRequest, env: EmbeddedEnvironment, json: boolean): Promise<void> {
  const scan = await scanLocal(graph, request, env);
  const register = recordSourceCheck(request, scan);
  const held = scan.findings.filter((f) => f.role === 'derived');
  if (json) printJson({ clean: held.length === 0, held, sources: scan.findings.filter((f) => f.role === 'source'), registered: register.length });
  else {
    printScan(scan, `verify: ${describeRequest(request)}`);
    if (held.length) console.log(color.red(`NOT ERASED: ${plural(held.length, 'place')} in ${[...new Set(held.map((f) => f.key))].join(', ')} still hold these subjects; run assets erase with the same subjects`));
    else console.log(color.green('erased: no derived asset, index or earlier version holds these subjects'));
  }
  if (held.length) process.exitCode = EXIT.runFailed;
}

async function pending(graph: AssetGraph, json: boolean): Promise<void> {
  const env = new EmbeddedEnvironment();
  try {
    const p = await refreshPending(graph, env);
    if (json) return printJson(p ?? { registered: 0, pending: 0, pendingBySource: {} });
    console.log(p ? describePending(p) : 'erasure: the deletion register is empty');
  } finally {
    await env.close();
  }
}

export function register(program: Command): void {
  program
    .command('erase')
    .description("right to erasure: delete people's data from every asset holding it, or --verify that none does")
    .option('--subject <subject=id>', 'who to erase, e.g. customer=103 (repeatable)', collect, [])
    .option('--from-file <file>', "ids from a CSV file: a header naming the subject ('customer') then one id a line, or 'subject,id' rows")
    .option('--dry-run', 'list every asset, partition, file and index document holding them, with counts; change nothing')
    .option('--verify', 'scan every asset; exit 1 naming what still holds them, 0 when nothing does')
    .option('--pending', 'check every subject in the deletion register against the sources again (by salted hash) and list those still held upstream')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async (opts: EraseOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.dryRun && opts.verify) throw new UserError('--dry-run and --verify are two ways of looking; pass one');
      const graph = loadGraph(g.graph);
      if (opts.pending && g.env !== 'local') throw new UserError(`erase --pending --env ${g.env}: the sources sit inside the stack's VPC, out of the CLI's reach; every registered subject stays excluded from extracts and deliveries`);
      if (opts.pending) return await pending(graph, Boolean(opts.json));
      const request = parseSubjectRequest(opts.subject, opts.fromFile, subjectsOf(graph));
      if (g.env !== 'local') return await eraseOnStack(g.env, g.graph, graph, request, opts);
      const env = new EmbeddedEnvironment();
      try {
        if (opts.verify) return await verify(graph, request, env, Boolean(opts.json));
        const scan = await scanLocal(graph, request, env);
        if (opts.dryRun) {
          if (opts.json) return printJson({ dryRun: true, findings: scan.findings, maps: scan.maps });
          return printScan(scan, `erase ${describeRequest(request)}: dry run, nothing changed`);
        }
        const derived = scan.findings.filter((f) => f.role === 'derived');
        if (!opts.json) printScan(scan, `erase ${describeRequest(request)}:`);
        const question = `Erase these subjects from ${plural(derived.length, 'place')} in ${plural(new Set(derived.map((f) => f.key)).size, 'asset')} and add them to the deletion register?`;
        if (!opts.yes && !(await confirm(question, 'erase'))) {
          console.log('nothing erased');
          return;
        }
        const report = await eraseLocal(graph, request, env);
        if (opts.json) return printJson({ ...summary(report), erased: report.erased, sources: report.findings.filter((f) => f.role === 'source') });
        const s = summary(report);
        console.log(
          color.green(
            `erased ${s.erasureId}: ${plural(s.rowsRemoved, 'record')} removed from ${plural(s.assetsTouched, 'asset')}, ${plural(s.partitionsRewritten, 'partition')} or file(s) rewritten, ${plural(s.previousVersionsRemoved, 'earlier version')} deleted`,
          ),
        );
        const pending = [...new Set(report.findings.filter((f) => f.role === 'source').map((f) => f.key))];
        if (pending.length) console.log(color.yellow(`pending upstream: ${pending.join(', ')} still hold them; the deletion register keeps them out of every extract and delivery until then (assets status shows it)`));
        console.log(`prove it: assets erase --verify ${[...request].flatMap(([s, ids]) => ids.slice(0, 3).map((id) => `--subject ${s}=${id}`)).join(' ')}${[...request.values()].flat().length > 3 ? ' ...' : ''}`);
      } finally {
        await env.close();
      }
    });
}
