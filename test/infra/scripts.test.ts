/** Every Spark and Glue script compiles (`python3 -m py_compile`), so a syntax error never reaches a deploy. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';

const root = path.resolve(__dirname, '..', '..');
const scripts = ['jobs/spark', 'jobs/glue'].flatMap((dir) =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.py'))
    .map((f) => `${dir}/${f}`),
);

describe('Spark and Glue scripts', () => {
  it('finds the scripts the infra uploads', () => {
    expect(scripts).to.include.members(['jobs/spark/train_recommender.py', 'jobs/glue/sql_runner.py', 'jobs/glue/jdbc_extract.py']);
  });

  for (const script of scripts) {
    it(`${script} compiles with python3 -m py_compile`, () => {
      // Compile into a temp dir: no __pycache__ in the working tree.
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pyc-')), 'x.pyc');
      const code = `import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)`;
      expect(() => execFileSync('python3', ['-c', code, path.join(root, script), out], { stdio: 'pipe' })).to.not.throw();
    });
  }
});
