/** The mutation run's summary and survivors report, on a hand-made Stryker report. */
import { expect } from 'chai';
import { strykerArgs, summarize, survivorsReport } from './run';

const mutant = (status: string, line: number, replacement = 'x') => ({ mutatorName: 'ConditionalExpression', replacement, status, location: { start: { line, column: 3 } } });
const report = {
  files: {
    'assets/core/a.ts': { mutants: [mutant('Killed', 1), mutant('Killed', 2), mutant('Timeout', 3), mutant('Survived', 9, 'true'), mutant('CompileError', 4)] },
    'assets/core/b.ts': { mutants: [mutant('NoCoverage', 5, 'false'), mutant('Killed', 6), mutant('Ignored', 7)] },
  },
};

describe('mutation run summary', () => {
  it('counts valid mutants only and scores detected (killed + timeout) over them', () => {
    expect(summarize(report)).to.deep.equal({ mutants: 6, killed: 3, survived: 1, noCoverage: 1, timeout: 1, score: 66.67, ignored: 1 });
    expect(summarize({ files: {} }).score).to.equal(100);
  });

  it('lists every survivor and uncovered mutant with its place, per file with the file score', () => {
    const text = survivorsReport(report);
    expect(text).to.contain('## assets/core/a.ts: score 75 (3/4 detected)');
    expect(text).to.contain('- assets/core/a.ts:9:3 Survived ConditionalExpression: `true`');
    expect(text).to.contain('## assets/core/b.ts: score 50 (1/2 detected)');
    expect(text).to.contain('- assets/core/b.ts:5:3 NoCoverage ConditionalExpression: `false`');
    expect(text).not.to.contain(':1:3');
  });

  it('shows the code each survivor replaced, from the source the report holds', () => {
    const source = 'const a = 1;\nif (x < 10) go();\n';
    const text = survivorsReport({ files: { 'c.ts': { source, mutants: [{ ...mutant('Survived', 2, 'x <= 10'), location: { start: { line: 2, column: 5 }, end: { line: 2, column: 11 } } }] } } });
    expect(text).to.contain('- c.ts:2:5 Survived ConditionalExpression: `x < 10` -> `x <= 10`');
  });

  it('passes several --mutate options to Stryker as the one comma-separated list it reads', () => {
    expect(strykerArgs(['--mutate', 'a.ts', '--concurrency', '1', '--mutate', 'b.ts:3-9'])).to.deep.equal(['--concurrency', '1', '--mutate', 'a.ts,b.ts:3-9']);
    expect(strykerArgs(['--force'])).to.deep.equal(['--force']);
  });
});
