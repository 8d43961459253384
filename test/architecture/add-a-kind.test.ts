/**
 * "Add a kind" in README.md lists the files a new kind touches, and the list of kinds is typed so
 * that a kind missing a face does not compile. This test adds a toy batch kind through exactly
 * the README's files (in memory, over the real sources, with the TypeScript compiler): it
 * compiles, and leaving out any one of those files is a compile error naming the toy kind.
 * The runtime half: every registry holds a face of exactly the kinds it must.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { BATCH_KINDS, KINDS } from '../../assets/kinds';
import { faceOf, settingFiles, kindCatalog, defineAsset, type KindDescriptorOf } from '../../assets/core';
import { KIND_ALARMS } from '../../infra/components/kind-alarms';
import { KIND_COMPONENTS } from '../../infra/platform';
import { AWS_EXECUTORS } from '../../jobs/aws/executors';
import { EMBEDDED_EXECUTORS } from '../../jobs/embedded/executors';

const ROOT = path.resolve(__dirname, '../..');
const TOY = 'toy-batch';

/** The files README.md's "Add a kind" lists, in order, with `<kind>` as written. */
function readmeFiles(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('**Add a kind**');
  if (start < 0) throw new Error('README.md has no "**Add a kind**" paragraph');
  const end = readme.indexOf('\n**', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]);
}

/** Inserts `entry` as the first member of the object (`= {`) or interface body declared by `declaration`. */
function addMember(text: string, declaration: string, entry: string): string {
  const at = text.indexOf(declaration);
  if (at < 0) throw new Error(`'${declaration}' not found: the test's anchor moved; update it`);
  const open = text.indexOf(declaration.includes(' interface ') ? '{' : '= {', at) + (declaration.includes(' interface ') ? 1 : 3);
  return `${text.slice(0, open)}\n  ${entry}${text.slice(open)}`;
}

/** An import at the top of a module (TypeScript hoists imports, so above the doc comment is fine). */
const withImport = (text: string, line: string) => `${line}\n${text}`;

/** What the toy kind writes or changes in each file, by repo path (`<kind>` already replaced). */
const TOY_EDITS: Readonly<Record<string, (text: string | undefined) => string>> = {
  'assets/kinds/toy-batch.ts': () => `import type { KindDescriptorOf } from '../core/kinds';
/** A toy batch kind: writes \`rows\` rows with a script. */
export interface ToyBatchSettings {
  readonly kind: 'toy-batch';
  /** Repo-relative script. */
  readonly script: string;
  /** @default 1 */
  readonly rows: number;
}
export const toyBatch = (s: { script: string; rows?: number }): ToyBatchSettings => ({ kind: 'toy-batch', rows: 1, ...s });
export const toyBatchKind: KindDescriptorOf<ToyBatchSettings, 'batch'> = { name: 'toy-batch', description: 'a toy', category: 'batch', files: ['script'], backfill: { type: 'per_partition' } };
`,
  'assets/kinds/index.ts': (text) => {
    const withKind = text!.replace(/export const KINDS = \[([^\]]*)\] as const/, (_m, list: string) => `export const KINDS = [${list.replace(/,?\s*$/, '')}, toyBatchKind] as const`);
    if (withKind === text) throw new Error('KINDS not found in assets/kinds/index.ts: update the test');
    return withImport(withKind, `import { toyBatchKind } from './toy-batch';\nexport * from './toy-batch';`);
  },
  'infra/components/toy-batch.ts': () => `import * as pulumi from '@pulumi/pulumi';
import type { ToyBatchManifest } from '../../jobs/aws/manifest';
import type { AssetComponentArgs, AssetOutputs } from './context';
export class ToyBatch extends pulumi.ComponentResource {
  readonly outputs: AssetOutputs;
  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:toy:ToyBatch', name, {}, opts);
    this.outputs = { manifest: pulumi.output<ToyBatchManifest>({ kind: 'toy-batch', key: args.asset.key, functionName: 'toy' }) };
    this.registerOutputs({});
  }
}
`,
  'infra/platform.ts': (text) => withImport(addMember(text!, 'export const KIND_COMPONENTS', `'toy-batch': ToyBatch,`), `import { ToyBatch } from './components/toy-batch';`),
  'infra/components/kind-alarms.ts': (text) => addMember(text!, 'export const KIND_ALARMS', `'toy-batch': [],`),
  'jobs/aws/manifest.ts': (text) =>
    `${addMember(text!, 'export interface KindManifests', `'toy-batch': ToyBatchManifest;`)}\nexport interface ToyBatchManifest extends AssetBase {\n  readonly kind: 'toy-batch';\n  readonly functionName: string;\n}\n`,
  'jobs/aws/toy-batch.ts': () => `import type { Executor } from '../engine/environment';
import { deployedEntry, type AwsExecutorDeps } from './executor-deps';
export function createToyBatchExecutor(deps: AwsExecutorDeps): Executor {
  return { kind: 'toy-batch', execute: async (ctx) => ({ metadata: { functionName: deployedEntry(deps, ctx.asset.key, ['toy-batch'] as const).functionName } }) };
}
`,
  'jobs/aws/executors.ts': (text) => withImport(addMember(text!, 'export const AWS_EXECUTORS', `'toy-batch': createToyBatchExecutor,`), `import { createToyBatchExecutor } from './toy-batch';`),
  'jobs/embedded/executors/toy-batch.ts': () => `import type { Executor } from '../../engine/environment';
export function createToyBatchExecutor(deps: { lakeRoot: string }): Executor {
  return { kind: 'toy-batch', execute: async () => ({ metadata: { lakeRoot: deps.lakeRoot, rows: 1 } }) };
}
`,
  'jobs/embedded/executors/index.ts': (text) =>
    withImport(addMember(text!, 'export const EMBEDDED_EXECUTORS', `'toy-batch': (d) => createToyBatchExecutor({ lakeRoot: d.lakeRoot }),`), `import { createToyBatchExecutor } from './toy-batch';`),
};

/** One compiler over the repository whose files can be overlaid (changed or removed) per program. */
function overlayCompiler() {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  const base = ts.createCompilerHost(options, true);
  // Unchanged files are parsed once for every program: that is what makes eleven programs affordable.
  const parsed = new Map<string, ts.SourceFile | undefined>();
  let previous: ts.Program | undefined;
  return (overlay: ReadonlyMap<string, string | null>, check: readonly string[]): ts.Diagnostic[] => {
    const abs = new Map([...overlay].map(([rel, text]) => [path.join(ROOT, rel), text]));
    const host: ts.CompilerHost = {
      ...base,
      fileExists: (f) => (abs.has(f) ? abs.get(f) !== null : base.fileExists(f)),
      readFile: (f) => (abs.has(f) ? (abs.get(f) ?? undefined) : base.readFile(f)),
      getSourceFile: (f, language) => {
        if (abs.has(f)) {
          const text = abs.get(f);
          return text === null || text === undefined ? undefined : ts.createSourceFile(f, text, language, true);
        }
        if (!parsed.has(f)) parsed.set(f, base.getSourceFile(f, language));
        return parsed.get(f);
      },
    };
    const roots = check.map((rel) => path.join(ROOT, rel)).filter((f) => host.fileExists(f));
    const program = ts.createProgram({ rootNames: roots, options, host, oldProgram: previous });
    previous = program;
    return roots.flatMap((f) => {
      const source = program.getSourceFile(f);
      return source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : [];
    });
  };
}

const format = (diagnostics: readonly ts.Diagnostic[]) =>
  diagnostics.map((d) => `${d.file ? path.relative(ROOT, d.file.fileName) : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);

describe('adding a kind (README "Add a kind")', function () {
  this.timeout(180_000);
  const listed = readmeFiles();
  const files = listed.map((f) => f.replace('<kind>', TOY));

  it('lists the files, each once', () => {
    expect(listed.length).to.be.greaterThan(5);
    expect(new Set(files).size).to.equal(files.length);
  });

  it('touches exactly the listed files to add a batch kind', () => {
    expect(Object.keys(TOY_EDITS).sort()).to.deep.equal([...files].sort());
  });

  describe('compiled with the toy kind', () => {
    const compile = overlayCompiler();
    const read = (rel: string) => (fs.existsSync(path.join(ROOT, rel)) ? fs.readFileSync(path.join(ROOT, rel), 'utf8') : undefined);
    const edited = (skip?: string) => new Map(files.map((f) => [f, f === skip ? (read(f) ?? null) : TOY_EDITS[f](read(f))]));

    it('compiles through exactly those files', () => {
      expect(format(compile(edited(), files))).to.deep.equal([]);
    });

    it('compiles a service kind (no executors) through the first six files alone, and refuses it an executor', () => {
      const executorFiles = files.filter((f) => f.includes('/executors') || f === `jobs/aws/${TOY}.ts`);
      const serviceFiles = files.filter((f) => !executorFiles.includes(f));
      expect(serviceFiles, 'the README says: the first six').to.deep.equal(files.slice(0, 6));
      const asService = (f: string) => {
        const text = TOY_EDITS[f](read(f));
        return f === `assets/kinds/${TOY}.ts` ? text.replace(/'batch'/g, "'service'") : text;
      };
      expect(format(compile(new Map(serviceFiles.map((f) => [f, asService(f)])), files))).to.deep.equal([]);
      const withExecutors = format(compile(new Map(files.map((f) => [f, asService(f)])), files));
      expect(withExecutors.join('\n')).to.match(/'toy-batch'' does not exist in type/);
    });

    for (const skipped of files) {
      it(`does not compile without ${skipped}`, () => {
        const errors = format(compile(edited(skipped), files));
        expect(errors, 'a missing face must be a compile error').to.not.deep.equal([]);
        expect(errors.join('\n')).to.match(/toy/i);
      });
    }
  });
});

describe('the face registries', () => {
  const names = KINDS.map((k) => k.name);

  it('hold a face of every kind and of nothing else', () => {
    expect(Object.keys(KIND_COMPONENTS).sort()).to.deep.equal([...names].sort());
    expect(Object.keys(KIND_ALARMS).sort()).to.deep.equal([...names].sort());
  });

  it('hold an executor of every batch kind, in both environments, and of nothing else', () => {
    expect(BATCH_KINDS).to.have.members(['glue-extract', 'glue-sql', 'emr-spark', 'vector-index']);
    expect(Object.keys(EMBEDDED_EXECUTORS).sort()).to.deep.equal([...BATCH_KINDS].sort());
    expect(Object.keys(AWS_EXECUTORS).sort()).to.deep.equal([...BATCH_KINDS].sort());
  });

  it('build executors that say the kind they are registered under', () => {
    const aws = { manifest: {} as never, clients: {} as never, clock: { now: () => 0, sleep: async () => undefined } as never, options: {} };
    for (const kind of BATCH_KINDS) expect(AWS_EXECUTORS[kind](aws).kind, `AWS ${kind}`).to.equal(kind);
    const embedded = { lakeRoot: '/nonexistent', source: {} as never };
    for (const kind of BATCH_KINDS) expect(EMBEDDED_EXECUTORS[kind](embedded).kind, `embedded ${kind}`).to.equal(kind);
  });

  it('find a face by kind name, never through the prototype', () => {
    expect(faceOf(KIND_COMPONENTS, 'glue-sql')).to.equal(KIND_COMPONENTS['glue-sql']);
    expect(faceOf(KIND_COMPONENTS, 'toString')).to.equal(undefined);
    expect(faceOf(KIND_COMPONENTS, 'custom-kind')).to.equal(undefined);
  });

  it("name the repo files a kind's settings hold (`files`), for validate", () => {
    const catalog = kindCatalog([{ name: 'toy', description: '', category: 'batch', backfill: { type: 'per_partition' }, files: ['script', 'absent'] }]);
    const asset = defineAsset({ key: 'x/toy', compute: { kind: 'toy', script: 'jobs/toy.py', rows: 3 } as never });
    expect(settingFiles(asset, catalog)).to.deep.equal(['jobs/toy.py']);
    expect(settingFiles(asset, kindCatalog([]))).to.deep.equal([]);
  });

  it('let a kind of the list name only its string settings as files (checked by tsc)', () => {
    type Toy = { readonly kind: 'toy'; readonly script: string; readonly rows: number };
    const ok: KindDescriptorOf<Toy, 'batch'> = { name: 'toy', description: '', category: 'batch', backfill: { type: 'per_partition' }, files: ['script'] };
    // @ts-expect-error: `rows` is a number, not a file
    const rows: KindDescriptorOf<Toy, 'batch'> = { ...ok, files: ['rows'] };
    // @ts-expect-error: the name is the settings' `kind`
    const name: KindDescriptorOf<Toy, 'batch'> = { ...ok, name: 'other' };
    expect([ok, rows, name].map((k) => k.files)).to.have.length(3);
  });
});
