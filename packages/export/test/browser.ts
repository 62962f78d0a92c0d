// Debian's Chromium driven by playwright-core (which never downloads a browser). CI installs
// the package (.ci/run); a missing browser is an error, not a skip.

import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const CHROMIUM = process.env.STACKRING_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y --no-install-recommends chromium), as .ci/run does`);
  }
  const userDataDir = fs.mkdtempSync(join(tmpdir(), 'stackring-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: Chromium launched before its tests and closed after them, with a scratch
 * directory (`prefix`) removed with it. `context()` is the browser's context once launched.
 */
export function chromiumForTests(prefix: string): { dir: string; context: () => BrowserContext } {
  const dir = fs.mkdtempSync(join(tmpdir(), prefix));
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    context: () => {
      if (browser === undefined) throw new Error('Chromium is not running (launched in beforeAll)');
      return browser.context;
    },
  };
}
