/**
 * Headless Chromium for the browser tests (demo page, HTML report), driven by
 * playwright-core. One variable names the browser: HTR_CHROMIUM, default
 * /usr/bin/chromium (Debian's `chromium`, which .ci/run installs). Without it the
 * browser tests skip with `CHROMIUM_MISSING` as their message.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.HTR_CHROMIUM || '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set HTR_CHROMIUM`;

/** Offline, sandbox-free flags for a container. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}
