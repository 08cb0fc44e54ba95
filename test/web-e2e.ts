/**
 * End-to-end tests of the web app (web/) in a real browser. `startWebApp()` builds the app once
 * with Vite into a temporary folder, serves it from a tiny static server that sends the
 * cross-origin isolation headers (as `npm run web` does, so threads work), and starts Debian's
 * Chromium through playwright-core, which downloads no browser of its own. Each `open(path)` gives a
 * fresh page that has reached `pageReady()` (web/src/shared/page.ts), the console errors it has
 * logged so far (page and workers), its load timing, and `screenshot(name)` → test-output/web/.
 *
 * Chromium is not an npm package: on Debian, `apt-get install -y chromium` (.ci/run does it), or
 * point BACKPROP_CHROMIUM at another Chromium or Chrome binary. Without one the tests fail, saying so.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.BACKPROP_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve('test-output/web');

/**
 * Chromium as this machine kind allows it: no sandbox (root), and none of its background
 * connections, which a closed network refuses (and which would make the tests slow and noisy).
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export interface OpenedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests of the page and its workers so far. */
  errors: string[];
  /** Milliseconds from navigation start to DOMContentLoaded and to the page's `pageReady()`. */
  timing(): Promise<{ domContentLoaded: number; ready: number }>;
  /** Save a full-page PNG as test-output/web/<name>.png; returns its path. */
  screenshot(name: string): Promise<string>;
}

export interface WebApp {
  /** Where the built app is served, ending in '/'. */
  url: string;
  browser: Browser;
  /**
   * Take the server off the network (`false`: every connection is dropped, as with no network at
   * all) or back on. For offline tests, together with Playwright's `context.setOffline(true)`.
   */
  serve(online: boolean): void;
  /** Open `path` (e.g. 'mnist.html') in a new page and wait until it is ready. */
  open(path: string, options?: { viewport?: { width: number; height: number } }): Promise<OpenedPage>;
  close(): Promise<void>;
}

/** Build web/ once, serve it cross-origin isolated, start Chromium. Call `close()` after. */
export async function startWebApp(): Promise<WebApp> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the browser tests need Chromium, not found at ${CHROMIUM}: on Debian/Ubuntu run ` +
        '`apt-get install -y chromium` (as root), or set BACKPROP_CHROMIUM to a Chromium/Chrome binary',
    );
  const outDir = await mkdtemp(join(tmpdir(), 'backprop-web-'));
  await build({
    configFile: resolve('web/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  let online = true;
  const server = createServer(async (request, response) => {
    if (!online) {
      request.socket.destroy();
      return;
    }
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = resolve(outDir, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    try {
      if (!file.startsWith(outDir + sep)) throw new Error('outside the app');
      const body = await readFile(file);
      response.writeHead(200, {
        ...headers,
        'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      });
      response.end(body);
    } catch {
      response.writeHead(404, headers);
      response.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://localhost:${(server.address() as AddressInfo).port}/`;
  // playwright-core starts Chromium with a fresh temporary profile (--user-data-dir) of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  await mkdir(SCREENSHOT_DIR, { recursive: true });

  const open = async (
    path: string,
    options: { viewport?: { width: number; height: number } } = {},
  ): Promise<OpenedPage> => {
    const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
    const page = await context.newPage();
    // Closing a page closes its context; if the browser is closed first, that is not an error.
    page.on('close', () => void context.close().catch(() => {}));
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    page.on('worker', (worker) =>
      worker.on('console', (message) => {
        if (message.type() === 'error') errors.push(`worker console.error: ${message.text()}`);
      }),
    );
    await page.goto(new URL(path, url).href);
    await page.waitForSelector('html[data-ready]', { timeout: 20_000 });
    return {
      page,
      errors,
      timing: () =>
        page.evaluate(() => {
          const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const ready = performance.getEntriesByName('backprop:ready')[0];
          return { domContentLoaded: navigation.domContentLoadedEventEnd, ready: ready?.startTime ?? NaN };
        }),
      screenshot: async (name) => {
        const file = join(SCREENSHOT_DIR, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
    };
  };

  return {
    url,
    browser,
    serve: (on) => {
      online = on;
      // Keep-alive connections would still reach the handler; drop them too.
      if (!on) server.closeIdleConnections();
    },
    open,
    close: async () => {
      await browser.close();
      await new Promise((done) => server.close(done));
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
