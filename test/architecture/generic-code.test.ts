/**
 * "The graph is the source of truth": generic code (jobs/, infra/, scripts/cli/) never names a
 * key or a column of the reference graph, and the layers import only what ARCHITECTURE.md allows.
 * A fork declares its own assets; any reference name left in generic code is a place where that
 * fork would silently get the reference's behaviour.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { referenceAssets } from '../../assets';

const ROOT = path.resolve(__dirname, '../..');

/** Files under `dir` (repo-relative) with one of the extensions, skipping build output. */
function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'dist' || e.name === '__pycache__') continue;
      const rel = path.posix.join(d, e.name);
      if (e.isDirectory()) walk(rel);
      else if (extensions.some((x) => e.name.endsWith(x))) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * What the reference graph names: its keys, the columns of its contracts and the fields its kinds
 * declare. Short common words (`city`, `country`) are left out: they name nothing specific to the
 * reference and occur in any prose; the names kept are the reference's own identifiers.
 */
function referenceNames(): string[] {
  const names = new Set<string>();
  const distinctive = (s: string) => /[A-Z_/]/.test(s.slice(1)) && s.length >= 6;
  for (const a of referenceAssets) {
    names.add(a.key);
    for (const c of a.contract?.columns ?? []) if (distinctive(c.name)) names.add(c.name);
    // The id field of an index document is a column name outside the lake (the API's, the stream's).
    const idField = (a.compute as { idField?: unknown }).idField;
    if (typeof idField === 'string') names.add(idField);
  }
  return [...names].sort((x, y) => y.length - x.length);
}

/** Generic code: every source file a fork keeps unchanged. */
const GENERIC = [...filesUnder('jobs', ['.ts', '.py']), ...filesUnder('infra', ['.ts']), ...filesUnder('scripts/cli', ['.ts'])];

/**
 * Files that still name the reference, to be emptied by the fork issue (#9); each entry is a
 * debt, not a permission. A file leaves the list when it reads the names from declarations.
 */
const PENDING: readonly string[] = [
  // serving: fallback, API, stream transform
  'jobs/embedded/executors/glue-sql.ts',
  'jobs/glue/sql_runner.py',
  'jobs/serving/environment.ts',
  'jobs/serving/popular.ts',
  'jobs/serving/recommender-api/handler.ts',
  'jobs/serving/recommender-api/routes.ts',
  'jobs/serving/recommender.ts',
  'jobs/serving/stream-transform/handler.ts',
  'jobs/serving/stream-transform/transform.ts',
  'jobs/serving/validation.ts',
  'scripts/cli/commands/serve.ts',
  // CLI: graph entry point, stream, source
  'jobs/contracts/proposed.ts',
  'jobs/embedded/source/db.ts',
  'jobs/embedded/source/generate.ts',
  'jobs/embedded/source/schema.ts',
  'jobs/embedded/stream/generator.ts',
  'jobs/embedded/stream/kinesalite.ts',
  'jobs/embedded/stream/poller.ts',
  'jobs/embedded/stream/producer.ts',
  'jobs/embedded/stream/session.ts',
  'infra/lake-layout.ts',
  'scripts/cli/commands/backfill.ts',
  'scripts/cli/commands/list.ts',
  'scripts/cli/commands/materialize.ts',
  'scripts/cli/commands/plan.ts',
  'scripts/cli/commands/show.ts',
  'scripts/cli/commands/stream.ts',
];

/** Where the reference's own code lives (its SQL files and the demo data it generates are its own). */
const REFERENCE_CODE = (file: string) => file.startsWith('jobs/transforms/sql/');

describe('generic code', () => {
  const names = referenceNames();

  it('knows what the reference graph names', () => {
    expect(names).to.include.members(['model/recommender', 'customerNumber', 'productCode']);
  });

  it('never names a key or a column of the reference graph (jobs/, infra/, scripts/cli/)', () => {
    const offenders: string[] = [];
    for (const file of GENERIC) {
      if (REFERENCE_CODE(file) || PENDING.includes(file)) continue;
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const found = names.filter((n) => new RegExp(`(^|[^A-Za-z0-9_])${n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(text));
      if (found.length) offenders.push(`${file}: ${found.join(', ')}`);
    }
    expect(offenders, 'read these from the asset declaration and its deps instead').to.deep.equal([]);
  });

  it('keeps its list of pending files honest (each still names the reference)', () => {
    const clean = PENDING.filter((file) => {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      return !names.some((n) => text.includes(n));
    });
    expect(clean, 'remove these from PENDING').to.deep.equal([]);
  });
});

describe('the layers', () => {
  const importsOf = (file: string) =>
    [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)'([^']+)'/g)].map((m) => m[1]);
  const resolvesInto = (file: string, spec: string, top: string) =>
    spec.startsWith('.') && path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).startsWith(`${top}/`);

  it('assets/ imports nothing of jobs/, infra/ or scripts/', () => {
    const bad = filesUnder('assets', ['.ts']).flatMap((f) =>
      importsOf(f)
        .filter((s) => ['jobs', 'infra', 'scripts'].some((t) => resolvesInto(f, s, t)))
        .map((s) => `${f} -> ${s}`),
    );
    expect(bad).to.deep.equal([]);
  });

  it('jobs/ never imports infra/ or scripts/, and the CLI never loads Pulumi or infra/', () => {
    const bad = [
      ...filesUnder('jobs', ['.ts']).flatMap((f) => importsOf(f).filter((s) => ['infra', 'scripts'].some((t) => resolvesInto(f, s, t))).map((s) => `${f} -> ${s}`)),
      ...filesUnder('scripts/cli', ['.ts']).flatMap((f) =>
        importsOf(f)
          .filter((s) => s.startsWith('@pulumi/') || resolvesInto(f, s, 'infra'))
          .map((s) => `${f} -> ${s}`),
      ),
    ];
    expect(bad).to.deep.equal([]);
  });
});
