/**
 * Debian's Chromium driven by playwright-core (its own browser download cannot work here): a fresh
 * profile per launch, removed on close. `.ci/run` installs chromium when it is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.HEADWATER_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  readonly context: BrowserContext;
  /** A new page that records console errors and uncaught exceptions in `errors`. */
  page(viewport: { width: number; height: number }): Promise<Page>;
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const errors: string[] = [];
  return {
    context,
    errors,
    async page(viewport) {
      const p = await context.newPage();
      await p.setViewportSize(viewport);
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      p.on('pageerror', (e) => errors.push(`page: ${e.message}`));
      return p;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where the tests save screenshots: `.headwater/ui-screenshots/` (git-ignored), kept as artifacts. */
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', '.headwater', 'ui-screenshots');
