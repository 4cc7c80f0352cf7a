import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/setup.sh installs it); never a browser downloaded by Playwright. */
export const CHROMIUM = process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
}

/**
 * Where the tests put their screenshots: FLOTILLA_CONSOLE_SHOTS (docs/console to refresh the README's),
 * else a folder of their own under the system's temporary folder.
 */
export function shotsDir(): string {
  const dir = process.env.FLOTILLA_CONSOLE_SHOTS ?? path.join(os.tmpdir(), 'flotilla-console-shots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Errors the page threw, to assert none happened (a blank page must never be the answer). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
