// The field app's startup-error screen in the real WebView (tests/tests/field_app_startup_e2e.rs
// starts tauri-driver with a key store the app cannot use): the window opens on the error
// screen, not on first run or the PIN pad; it says what failed and what to do in Chinese, shows
// the error's code, and "retry" tries again and says it still fails. (The locale switch is left
// to the unit test: the WebView keeps the choice, and the other walks expect Chinese.)
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { remote } from 'webdriverio';

const port = Number(process.env.PORT ?? 4444);
const appPath = resolve(process.env.APP ?? 'target/debug/fieldcase-app');
const shots = process.env.SHOTS ?? '/tmp/app-shots';
if (!existsSync(appPath)) {
  console.error(`no app at ${appPath} (cargo build -p fieldcase-app)`);
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const b = await remote({
  hostname: '127.0.0.1',
  port,
  logLevel: 'error',
  connectionRetryTimeout: 60_000,
  capabilities: { 'tauri:options': { application: appPath } },
});
const fail = (what) => {
  throw new Error(what);
};
try {
  const screen = await b.$('[data-testid="startup-failed"]');
  await screen.waitForDisplayed({ timeout: 30_000 });
  await b.saveScreenshot(join(shots, '01-startup-failed-zh.png'));
  const code = await screen.getAttribute('data-code');
  if (code !== 'store.key_store_unavailable') fail(`code ${code}`);
  const zh = await screen.getText();
  for (const want of ['应用无法打开本机数据', '联系管理员', 'keychain-of-nowhere', '重试']) {
    if (!zh.includes(want)) fail(`the screen lacks ${want}:\n${zh}`);
  }
  if (await b.$('[data-testid="first-run"]').isExisting()) fail('first run is shown');

  await b.$('[data-testid="startup-retry"]').click();
  await b.$('[data-testid="startup-still"]').waitForDisplayed({ timeout: 15_000 });

  await b.saveScreenshot(join(shots, '02-startup-retried.png'));
  console.log(JSON.stringify({ code, shots: 2 }));
} finally {
  await b.deleteSession();
}
