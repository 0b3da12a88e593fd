// Browser tests of the widget: Playwright driving Debian's chromium
// (never a downloaded browser). They run against servers that
// server/browser_test.go starts (go test passes their URLs in the
// environment): run them with `make test-browser`, or as part of
// `make test`.
import { defineConfig } from '@playwright/test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env.CAUSERIE_BASE_URL) {
  throw new Error('CAUSERIE_BASE_URL is not set: run the browser tests with `make test-browser` (server/browser_test.go starts the servers)');
}

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs$/,
  outputDir: process.env.CAUSERIE_E2E_OUT || join(tmpdir(), 'causerie-e2e'),
  timeout: 30_000,
  expect: { timeout: 8_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL: process.env.CAUSERIE_BASE_URL,
    browserName: 'chromium',
    headless: true,
    locale: 'fr-FR',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CAUSERIE_CHROMIUM || '/usr/bin/chromium',
      // A fake microphone, granted without a prompt, for the recording scenario.
      args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    },
  },
});
