// Cold start of the field app to an interactive inbox, measured in the real WebView through
// tauri-driver: each run launches the app anew on an enrolled device store, waits for the PIN
// pad, signs in, and waits until the inbox's rows are on screen. Prints one JSON line.
//
// Env: PORT (tauri-driver), APP (the app binary), PIN, RUNS (default 5). The app's store and
// forms come from tauri-driver's environment (FIELDCASE_APP_DATA, FIELDCASE_FORMS).
// The times include WebKitWebDriver launching the app (a few ms); see tests/benches/field_app.rs.
import { remote } from 'webdriverio';
import { findPids, treeRss } from './rss.mjs';

const port = Number(process.env.PORT ?? 4444);
const app = process.env.APP;
const pin = process.env.PIN ?? '240917';
const runs = Number(process.env.RUNS ?? 5);
if (!app) throw new Error('APP (the fieldcase-app binary) is required');

const results = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const b = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: { 'tauri:options': { application: app } },
  });
  try {
    await (await b.$('[data-testid="pin-pad"]')).waitForDisplayed({ timeout: 30000 });
    const signIn = performance.now() - t0;
    for (const d of pin) await (await b.$(`[data-testid="pin-key-${d}"]`)).click();
    await b.waitUntil(
      async () =>
        (await (await b.$('[data-testid="inbox-list"]')).isExisting()) ||
        (await (await b.$('[data-testid="inbox-empty"]')).isExisting()),
      { timeout: 30000, interval: 20 },
    );
    const inbox = performance.now() - t0;
    const pid = findPids(app)[0];
    const mem = pid ? treeRss(pid) : null;
    results.push({
      sign_in_ms: Math.round(signIn),
      inbox_ms: Math.round(inbox),
      rss_kb: mem?.kb ?? null,
      pss_kb: mem?.pss_kb ?? null,
    });
  } finally {
    await b.deleteSession();
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    runs: results,
    median_sign_in_ms: median(results.map((r) => r.sign_in_ms)),
    median_inbox_ms: median(results.map((r) => r.inbox_ms)),
  }),
);
