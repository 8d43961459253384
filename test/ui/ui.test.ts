/**
 * `assets ui` end to end in a real headless Chromium: the graph and the selection grammar, an
 * asset's partitions, a materialization started from the page going running -> fresh, the
 * dashboard refreshing itself after a new hourly partition, phone width, and no console errors.
 * Screenshots of every view are saved under .headwater/ui-screenshots/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startUiServer, type UiServer } from '../../scripts/ui/server/ui-server';
import { loadGraph } from '../../scripts/cli/context';
import { writeConfig } from '../engine/fixtures/test-environment';
import { runCli } from '../cli/run-cli';
import { CHROMIUM, launchBrowser, SCREENSHOTS, type Browser } from './browser';
import { saveEnv } from '../setup/environment';

const GRAPH = path.join(__dirname, 'fixtures', 'ui-graph.ts');
const HOUR = 3_600_000;
/** The key of the hourly partition that started `hoursAgo` whole hours before the current one. */
const hourKey = (hoursAgo: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR).toISOString().slice(0, 16);
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// Off CI a machine without Chromium skips these; CI installs it (.ci/run), so there they always run.
const describeBrowser = fs.existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

describeBrowser('assets ui in Chromium', function () {
  // Puts back what this suite's hooks and tests set (the isolation hook checks it).
  let restoreEnv: () => void = () => undefined;
  before(() => (restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR'])));
  after(() => restoreEnv());

  this.timeout(120_000);
  let home: string;
  let server: UiServer;
  let browser: Browser;
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: name.includes('phone') });

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-ui-'));
    process.env.HEADWATER_HOME = home;
    process.env.NO_COLOR = '1';
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    // History: three hours two to four hours ago, so the dashboard starts late (> 60 minutes).
    const seeded = await runCli(['--graph', GRAPH, 'backfill', '*', '--from', hourKey(4), '--to', hourKey(2)]);
    expect(seeded.code, seeded.err).to.equal(0);
    server = await startUiServer({ graph: loadGraph(GRAPH), graphModule: GRAPH, envName: 'local', pollMs: 200 });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(browser.errors, 'console errors').to.deep.equal([]);
  });

  it('shows the graph coloured by state and selects with the grammar', async () => {
    const page = await browser.page(DESKTOP);
    await page.goto(server.url);
    await page.waitForSelector('main[data-rendered="graph"]');
    expect(await page.locator('g.node').count()).to.equal(3);
    expect(await page.getAttribute('g.node[data-key="mart/sales"]', 'class')).to.match(/st-(fresh|late)/);
    // The graph's text alternative is named.
    expect(await page.getAttribute('svg.graph', 'aria-label')).to.match(/3 assets/);
    await page.fill('#select', 'mart/sales+');
    await page.press('#select', 'Enter');
    await page.waitForSelector('#select-feedback.ok');
    expect(await page.textContent('#select-feedback')).to.equal('2 of 3 assets selected');
    expect(await page.getAttribute('g.node[data-key="raw/events"]', 'class')).to.match(/\bdim\b/);
    await shot(page, 'graph-1280');
    // A syntax error points at the spot, as in the CLI.
    await page.fill('#select', 'group:marts and (mart/*');
    await page.press('#select', 'Enter');
    await page.waitForSelector('#select-feedback.err');
    expect(await page.textContent('#select-feedback')).to.match(/unclosed '\('/);
    // Keyboard: Escape clears, arrows move along the graph, Enter opens the asset.
    await page.click('svg.graph', { position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('aside.panel h2')).to.equal('mart/sales');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-rendered="asset"]');
    expect(page.url()).to.match(/#\/asset\/mart%2Fsales$/);
    // Groups collapse into one node.
    await page.goto(`${server.url}/#/graph`);
    await page.waitForSelector('main[data-rendered="graph"]');
    await page.uncheck('input[data-group="marts"]');
    await page.waitForSelector('g.node[data-key="group:marts"]');
    expect(await page.locator('g.node').count()).to.equal(2);
    await page.check('input[data-group="marts"]');
    await page.close();
  });

  it('opens an asset with its partitions, contract, history and metadata plots', async () => {
    const page = await browser.page(DESKTOP);
    await page.goto(`${server.url}/#/asset/${encodeURIComponent('mart/sales')}`);
    await page.waitForSelector('main[data-rendered="asset"]');
    for (const h of [2, 3, 4]) expect(await page.getAttribute(`rect[data-partition="${hourKey(h)}"]`, 'class')).to.equal('cell st-fresh');
    expect(await page.getAttribute(`rect[data-partition="${hourKey(5)}"]`, 'class')).to.equal('cell st-missing');
    expect(await page.textContent('article')).to.contain('amount');
    expect(await page.locator('#history tbody tr').count()).to.equal(3);
    await shot(page, 'asset-1280');
    await page.goto(`${server.url}/#/asset/${encodeURIComponent('out/report')}`);
    await page.waitForSelector('main[data-rendered="asset"]');
    expect(await page.textContent('figcaption >> nth=0')).to.match(/score vs baseline/);
    await page.close();
  });

  it('materializes from the page: running, then fresh, through the engine', async () => {
    writeConfig(home, { delayMs: 1500 });
    const graphPage = await browser.page(DESKTOP);
    await graphPage.goto(server.url);
    await graphPage.waitForSelector('main[data-rendered="graph"]');
    const page = await browser.page(DESKTOP);
    await page.goto(`${server.url}/#/asset/${encodeURIComponent('raw/events')}`);
    await page.waitForSelector('main[data-rendered="asset"]');
    await page.click('#materialize');
    await page.waitForSelector('main[data-rendered="run"]');
    // The graph page follows by itself (server-sent events): running, then fresh.
    await graphPage.waitForSelector('g.node[data-key="raw/events"].st-running', { timeout: 20_000 });
    await page.waitForSelector('#run-status .st-running', { timeout: 20_000 });
    await shot(page, 'run-running-1280');
    await page.waitForSelector('#run-status .st-succeeded', { timeout: 30_000 });
    await graphPage.waitForSelector('g.node[data-key="raw/events"].st-fresh', { timeout: 20_000 });
    expect(await page.locator('svg.gantt rect.bar').count()).to.be.greaterThan(0);
    await shot(page, 'run-1280');
    // The same lock and message as the CLI: a second materialization of a partition in flight is refused.
    const runs = await (await fetch(`${server.url}/api/runs`)).json() as { runs: { runId: string; command: string; status: string }[] };
    expect(runs.runs[0]).to.include({ command: 'materialize', status: 'succeeded' });
    await page.goto(`${server.url}/#/runs`);
    await page.waitForSelector('main[data-rendered="runs"]');
    await shot(page, 'runs-1280');
    await page.close();
    await graphPage.close();
    writeConfig(home, {});
  });

  it('shows the dashboard late in red, then fresh after a new hourly partition lands', async () => {
    const page = await browser.page(DESKTOP);
    await page.goto(`${server.url}/#/dashboards`);
    await page.waitForSelector('main[data-rendered="dashboard"]');
    expect(await page.getAttribute('#freshness', 'class')).to.contain('late');
    // The date appears when the data's hour is not today's (UTC): the suite may run across midnight (test/ui/freshness-words.test.ts).
    expect(await page.textContent('#freshness')).to.match(/^data as of (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC, \d+ minutes old: older than the 60 minutes allowed$/);
    expect(await page.textContent('#latest-partition')).to.contain(hourKey(2));
    await shot(page, 'dashboard-late-1280');
    // A new partition lands from elsewhere (the CLI); the open page refreshes by itself.
    const r = await runCli(['--graph', GRAPH, 'materialize', 'mart/sales']);
    expect(r.code, r.err).to.equal(0);
    await page.waitForFunction(`document.querySelector('#latest-partition')?.textContent?.includes(${JSON.stringify(hourKey(1))})`, undefined, { timeout: 20_000 });
    expect(await page.getAttribute('#freshness', 'class')).to.contain('ok');
    expect(await page.textContent('#freshness')).to.match(/^data as of (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC, \d+ minutes? old$/);
    expect(await page.getAttribute('figure.chart svg >> nth=0', 'aria-label')).to.match(/^Amount per hour/);
    await shot(page, 'dashboard-1280');
    await page.close();
  });

  it('works at phone width', async () => {
    const page = await browser.page(PHONE);
    for (const [hash, view] of [['#/graph', 'graph'], [`#/asset/${encodeURIComponent('mart/sales')}`, 'asset'], [`#/dashboard/${encodeURIComponent('mart/sales')}`, 'dashboard'], ['#/runs', 'runs']]) {
      await page.goto(`${server.url}/${hash}`);
      await page.waitForSelector(`main[data-rendered="${view}"]`);
      // Nothing wider than the screen but the scrollable tables and timelines inside their cards.
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow, `${view} overflows by ${overflow}px`).to.be.at.most(0);
      await shot(page, `${view}-phone`);
    }
    await page.goto(`${server.url}/#/automation`);
    await page.waitForSelector('main[data-rendered="automation"]');
    await page.close();
  });
});
