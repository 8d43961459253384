/**
 * Erasure is generic: its code reads subjects, fields, files and aliases from the declarations,
 * so it must never name the reference graph's keys, subject columns, declared files or aliases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import graph from '../../assets';
import { subjectMap } from '../../assets/core';

const REPO = path.resolve(__dirname, '..', '..');
const FILES = [
  'jobs/erasure',
  'scripts/cli/commands/erase.ts',
  'scripts/cli/commands/erase-stack.ts',
  'scripts/cli/run/erasure-status.ts',
  'scripts/cli/run/erasure-output.ts',
  ...['contract', 'launcher', 'records', 'register', 'versions', 'worker'].map((f) => `jobs/aws/erasure-${f}.ts`),
  'jobs/glue/erase_rows.py',
  'jobs/glue/deletion_register.py',
  ...['erasure', 'erasure-definition', 'erasure-plan', 'erasure-register'].map((f) => `infra/components/${f}.ts`),
].flatMap((p) => {
  const abs = path.join(REPO, p);
  return fs.statSync(abs).isDirectory() ? fs.readdirSync(abs).filter((f) => f.endsWith('.ts')).map((f) => path.join(abs, f)) : [abs];
});

describe('erasure code names nothing of the reference graph', () => {
  it('no reference key, subject field, declared file or index alias appears in its source', () => {
    const names = new Set<string>(graph.keys);
    for (const h of subjectMap(graph, 'customer').holders) for (const f of h.fields) [f.field, f.file].forEach((x) => x && names.add(x));
    for (const key of graph.keys) {
      const alias = (graph.get(key).compute as { alias?: string }).alias;
      if (alias) names.add(alias);
    }
    expect(FILES.length).to.be.greaterThan(5);
    const found = FILES.flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return [...names].filter((n) => text.includes(n)).map((n) => `${path.relative(REPO, f)}: ${n}`);
    });
    expect(found).to.deep.equal([]);
  });
});
