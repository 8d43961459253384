/** Staging folders of killed processes are removed by the next run; a live process's are kept. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { removeDeadStaging } from '../../jobs/embedded/lake/staging';

describe('staging of dead processes', () => {
  let lake: string;
  beforeEach(() => (lake = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-staging-'))));
  afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

  it('removes what a dead pid left in the lake and the temp folder, and keeps a live one', () => {
    // A pid that has certainly exited: a child that ran to completion.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const deadDirs = [
      path.join(lake, '.staging', `${dead}-headwater-sql-abc`),
      path.join(lake, 'model', `.recommender.${dead}.0a1b2c3d.tmp`),
      fs.mkdtempSync(path.join(os.tmpdir(), `headwater-sql-${dead}-`)),
    ];
    const live = [path.join(lake, '.staging', `${process.pid}-headwater-sql-def`), path.join(lake, 'model', `.recommender.${process.pid}.0a1b2c3d.tmp`)];
    for (const d of [...deadDirs, ...live]) fs.mkdirSync(d, { recursive: true });
    const removed = removeDeadStaging(lake);
    expect(removed).to.include.members(deadDirs);
    for (const d of deadDirs) expect(fs.existsSync(d), d).to.equal(false);
    for (const d of live) expect(fs.existsSync(d), d).to.equal(true);
  });
});
