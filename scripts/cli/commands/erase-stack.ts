/**
 * `assets erase --env <stack>`: the same command on a deployed stack, through its erasure state
 * machine (jobs/aws/erasure-launcher.ts). A dry run and `--verify` are executions in scan mode
 * (nothing changes); an erasure without `--yes` scans first, shows what it found and asks. The
 * ids go to the stack only inside the request object the machine deletes at its end.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { AssetGraph } from '../../../assets/core';
import type { ErasureSummary } from '../../../jobs/aws/erasure-contract';
import { explainAccessError } from '../../../jobs/aws/access-errors';
import { erasureOf, launchErasure, type ErasureOutcome } from '../../../jobs/aws/erasure-launcher';
import type { StackManifest } from '../../../jobs/aws/manifest';
import { mapSubjects, type ErasureScan } from '../../../jobs/erasure/erasure';
import type { Finding } from '../../../jobs/erasure/holders';
import type { SubjectRequest } from '../../../jobs/erasure/requests';
import { confirm } from '../confirm';
import { EXIT, UserError } from '../errors';
import { color, printJson } from '../output';
import { openEnvironment } from '../run/environment';
import { describeRequest, plural, printScan } from '../run/erasure-output';
import type { EraseOptions } from './erase';

/** A summary's places and sources as the findings `printScan` shows, ids back from their positions in the request. */
export function scanOf(graph: AssetGraph, request: SubjectRequest, summary: ErasureSummary): ErasureScan {
  const maps = mapSubjects(graph, request);
  const findings: (Finding & { subject: string })[] = [];
  for (const p of summary.places) {
    const subjects = Object.keys(p.byIndex);
    // An index counts documents, not ids: the place is shown under the subjects its asset holds.
    const held = subjects.length ? subjects : maps.filter((m) => m.holders.some((h) => h.key === p.key)).map((m) => m.subject).slice(0, 1);
    for (const subject of held) {
      const ids = request.get(subject) ?? [];
      const byId = Object.fromEntries(Object.entries(p.byIndex[subject] ?? {}).map(([i, n]) => [ids[Number(i)] ?? `#${i}`, n]));
      const rows = subjects.length ? Object.values(byId).reduce((a, b) => a + b, 0) : p.rows;
      findings.push({ key: p.key, what: p.what, partition: null, location: p.location, rows, byId, role: 'derived', subject });
    }
  }
  for (const s of summary.sources) findings.push({ key: s.key, what: 'source-rows', partition: null, location: s.key, rows: null, byId: {}, role: 'source', note: s.note, subject: s.subject });
  return { maps, findings };
}

/** Opens the stack (its manifest, through the same path as every `--env` command) and the two clients an erasure needs. */
async function openStack(stack: string, graphModule: string | undefined): Promise<{ manifest: StackManifest; s3: S3Client; sfn: SFNClient; close(): Promise<void> }> {
  const env = await openEnvironment(stack, graphModule);
  const manifest = (env as unknown as { manifest?: StackManifest }).manifest;
  if (!manifest) {
    await env.close();
    throw new UserError(`--env ${stack}: the environment has no stack manifest`);
  }
  const s3 = new S3Client({ region: manifest.region });
  const sfn = new SFNClient({ region: manifest.region });
  return {
    manifest,
    s3,
    sfn,
    close: async () => {
      s3.destroy();
      sfn.destroy();
      await env.close();
    },
  };
}

async function run(stack: Awaited<ReturnType<typeof openStack>>, request: SubjectRequest, mode: 'scan' | 'erase', json: boolean): Promise<ErasureOutcome> {
  let outcome: ErasureOutcome;
  try {
    outcome = await launchErasure({ manifest: stack.manifest, s3: stack.s3, sfn: stack.sfn, subjects: request, mode, log: json ? undefined : (m) => console.log(color.dim(m)) });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'StateMachineDoesNotExist' || name === 'NoSuchBucket') {
      throw new UserError(`--env ${stack.manifest.stack}: the stack's erasure is not deployed as its manifest says (${(e as Error).message}); redeploy it with \`pulumi up --stack ${stack.manifest.stack}\``);
    }
    const why = explainAccessError(e, stack.manifest.stack, "the stack's erasure state machine and its work folder");
    if (why) throw new UserError(why);
    throw e;
  }
  if (outcome.status === 'failed') {
    const why = `${mode === 'erase' ? 'erasure' : 'scan'} ${outcome.erasureId} failed: ${outcome.error ?? 'unknown error'} (execution ${outcome.executionArn}${outcome.summary ? `; summary ${outcome.summaryUri}` : ''})`;
    if (json) printJson({ ...outcome });
    else console.log(color.red(`${why}; run the same command again: every step is idempotent`));
    process.exitCode = EXIT.runFailed;
  }
  return outcome;
}

/** `assets erase ... --env <stack>` (dry run, verify, or the erasure). */
export async function eraseOnStack(stackName: string, graphModule: string | undefined, graph: AssetGraph, request: SubjectRequest, opts: EraseOptions): Promise<void> {
  mapSubjects(graph, request); // a gap in lineage stops here, before anything reaches the stack
  const json = Boolean(opts.json);
  const stack = await openStack(stackName, graphModule);
  try {
    try {
      erasureOf(stack.manifest);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    if (opts.verify || opts.dryRun || !opts.yes) {
      const scanned = await run(stack, request, 'scan', json);
      if (scanned.status === 'failed' || !scanned.summary) return;
      const scan = scanOf(graph, request, scanned.summary);
      const held = scan.findings.filter((f) => f.role === 'derived');
      if (opts.verify) {
        if (json) printJson({ clean: held.length === 0, held, sources: scan.findings.filter((f) => f.role === 'source'), erasureId: scanned.erasureId });
        else {
          printScan(scan, `verify on ${stackName}: ${describeRequest(request)}`);
          if (held.length) console.log(color.red(`NOT ERASED: ${plural(held.length, 'place')} in ${[...new Set(held.map((f) => f.key))].join(', ')} still hold these subjects; run assets erase --env ${stackName} with the same subjects`));
          else console.log(color.green('erased: no derived asset, index or earlier version on the stack holds these subjects'));
        }
        if (held.length) process.exitCode = EXIT.runFailed;
        return;
      }
      if (opts.dryRun) {
        if (json) return printJson({ dryRun: true, findings: scan.findings, maps: scan.maps, erasureId: scanned.erasureId });
        return printScan(scan, `erase ${describeRequest(request)} on ${stackName}: dry run, nothing changed`);
      }
      if (!json) printScan(scan, `erase ${describeRequest(request)} on ${stackName}:`);
      const question = `Erase these subjects from ${plural(held.length, 'place')} in ${plural(new Set(held.map((f) => f.key)).size, 'asset')} of ${stackName} and add them to its deletion register?`;
      if (!(await confirm(question, 'erase'))) {
        console.log('nothing erased');
        return;
      }
    }
    const done = await run(stack, request, 'erase', json);
    if (done.status === 'failed' || !done.summary) return;
    const s = done.summary;
    if (json) return printJson({ erasureId: done.erasureId, executionArn: done.executionArn, summary: done.summaryUri, assetsTouched: s.assetsTouched, partitionsRewritten: s.partitionsRewritten, rowsRemoved: s.rowsRemoved, versionsDeleted: s.versionsDeleted, places: s.places, sources: s.sources });
    console.log(
      color.green(
        `erased ${done.erasureId}: ${plural(s.rowsRemoved, 'record')} removed from ${plural(s.assetsTouched, 'asset')}, ${plural(s.partitionsRewritten, 'object')} rewritten, ${plural(s.versionsDeleted, 'earlier version')} deleted by VersionId; summary ${done.summaryUri}`,
      ),
    );
    if (s.sources.length) console.log(color.yellow(`pending upstream: ${[...new Set(s.sources.map((x) => x.key))].join(', ')} still hold them; the stack's deletion register keeps them out of every extract and delivery`));
    console.log(`prove it: assets erase --env ${stackName} --verify ${[...request].flatMap(([sub, ids]) => ids.slice(0, 3).map((id) => `--subject ${sub}=${id}`)).join(' ')}`);
  } finally {
    await stack.close();
  }
}
