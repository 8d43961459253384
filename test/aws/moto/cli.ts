/** The `assets` CLI against the dev stack emulated by moto (the environment `useMoto` set). */
import { expect } from 'chai';
import { runCli } from '../../cli/run-cli';

/** Runs `assets <args> --env dev --json`, expects exit 0, returns the parsed output. */
export async function devCliJson(args: string[]): Promise<unknown> {
  const r = await runCli([...args, '--env', 'dev', '--json']);
  expect(r.code, r.err).to.equal(0);
  return JSON.parse(r.out);
}
