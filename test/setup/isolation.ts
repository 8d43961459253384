/**
 * A mocha root-hook plugin that holds every test file to one rule: leave the process as you
 * found it. After each top-level suite it compares the environment variables, the working
 * directory, the AWS SDK clients (an aws-sdk-client-mock stub left on a prototype) and the
 * clock (fake timers) with how they were before the run; on a difference it fails that suite,
 * naming what leaked and the file, then restores the original state so one leak cannot make
 * another file pass or fail.
 */
import path from 'node:path';
import type { Context, Suite } from 'mocha';

interface ProcessState {
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
}

const capture = (): ProcessState => ({ env: { ...process.env }, cwd: process.cwd() });

/** SDK clients whose `send` is a stub: found among the loaded @aws-sdk/client-* modules only. */
function stubbedClients(): string[] {
  const stubbed: string[] = [];
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!mod || !/[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-cjs[\\/]index\.js$/.test(file)) continue;
    for (const [name, value] of Object.entries(mod.exports as Record<string, unknown>)) {
      if (!name.endsWith('Client') || typeof value !== 'function') continue;
      const send = (value as { prototype?: { send?: { restore?: unknown } } }).prototype?.send;
      if (send && typeof send.restore === 'function') stubbed.push(name);
    }
  }
  return stubbed.sort();
}

/** The clock as this process started with it: fake timers replace these globals. */
const REAL_CLOCK = { Date, now: Date.now, setTimeout, setInterval };
const clockIsReal = () => globalThis.Date === REAL_CLOCK.Date && Date.now === REAL_CLOCK.now && globalThis.setTimeout === REAL_CLOCK.setTimeout && globalThis.setInterval === REAL_CLOCK.setInterval;

/** What differs from `before`, as lines a person can act on. */
export function leaks(before: ProcessState): string[] {
  const problems: string[] = [];
  const keys = new Set([...Object.keys(before.env), ...Object.keys(process.env)]);
  for (const k of [...keys].sort()) {
    if (before.env[k] !== process.env[k]) problems.push(`environment variable ${k} was ${before.env[k] === undefined ? 'unset' : `'${before.env[k]}'`}, is now ${process.env[k] === undefined ? 'unset' : `'${process.env[k]}'`}`);
  }
  if (process.cwd() !== before.cwd) problems.push(`working directory moved from ${before.cwd} to ${process.cwd()}`);
  for (const c of stubbedClients()) problems.push(`${c}.send is still mocked: call restore() on its aws-sdk-client-mock in an after() hook`);
  if (!clockIsReal()) problems.push('the clock is still replaced (fake timers or a shifted Date): restore it in an after() hook');
  return problems;
}

function restore(before: ProcessState): void {
  for (const k of Object.keys(process.env)) if (!(k in before.env)) delete process.env[k];
  Object.assign(process.env, before.env);
  if (process.cwd() !== before.cwd) process.chdir(before.cwd);
  Object.assign(globalThis, { Date: REAL_CLOCK.Date, setTimeout: REAL_CLOCK.setTimeout, setInterval: REAL_CLOCK.setInterval });
  Date.now = REAL_CLOCK.now;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!mod || !/[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-cjs[\\/]index\.js$/.test(file)) continue;
    for (const value of Object.values(mod.exports as Record<string, unknown>)) {
      const send = (value as { prototype?: { send?: { restore?: () => void } } } | undefined)?.prototype?.send;
      if (typeof send?.restore === 'function') send.restore();
    }
  }
}

const fileOf = (suite: Suite): string => {
  const file = suite.file ?? suite.suites.find((s) => s.file)?.file ?? suite.tests.find((t) => t.file)?.file;
  return file ? path.relative(process.cwd(), file) : suite.title;
};

export const mochaHooks = {
  beforeAll(this: Context) {
    const root = this.test?.parent;
    if (!root) return;
    const baseline = capture();
    for (const suite of root.suites) {
      suite.afterAll(`leaves the process as it found it (${suite.title})`, function () {
        const problems = leaks(baseline);
        if (!problems.length) return;
        restore(baseline);
        throw new Error(`${fileOf(suite)}: "${suite.title}" did not restore what it changed:\n  ${problems.join('\n  ')}`);
      });
    }
  },
};
