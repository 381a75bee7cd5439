// Drives the center pages in headless Chromium against a real server and saves screenshots:
// sign in with an enrollment code, the case list (and a filter), the case detail tabs, the
// review moves, a transcript PDF, the language switch, the conflicts inbox (resolving one),
// the alerts, and signing out. Exits non-zero when a step fails or a page shows an error
// banner that the step did not expect. It will become the Playwright test later.
//
//   FIELDCASE_UI_URL        the center page, e.g. http://127.0.0.1:4173/center.html (required)
//   FIELDCASE_ENROLL_CODE   a fresh enrollment code of a center_staff user (required)
//   FIELDCASE_SHOTS_DIR     where the PNGs go (default /tmp/ui-shots)
//   FIELDCASE_INSPECTOR_CODE  optional: an inspector's code, to check the pages refuse it
//   FIELDCASE_CHROMIUM      optional: the browser (default: `command -v chromium`)
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.FIELDCASE_UI_URL;
const code = process.env.FIELDCASE_ENROLL_CODE;
const outDir = process.env.FIELDCASE_SHOTS_DIR ?? '/tmp/ui-shots';
const inspectorCode = process.env.FIELDCASE_INSPECTOR_CODE;
if (!base || !code) {
  console.error('set FIELDCASE_UI_URL and FIELDCASE_ENROLL_CODE');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const executablePath =
  process.env.FIELDCASE_CHROMIUM ?? execSync('command -v chromium').toString().trim();

// --lang: the browser's own widgets (date pickers) in Chinese, as on a clerk's desktop.
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--lang=zh-CN'] });
const context = await browser.newContext({
  viewport: { width: 1280, height: 800 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
});
const page = await context.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
// A CSP violation is reported as a console error, so it fails the run like any other.
// Console errors a step expects (the browser logs every 4xx it is answered).
let expectedConsole = [];
page.on('console', (m) => {
  if (m.type() !== 'error' || expectedConsole.some((re) => re.test(m.text()))) return;
  problems.push(`console error: ${m.text()} ${m.location()?.url ?? ''}`);
});

let stepNo = 0;
async function step(name, fn) {
  stepNo++;
  const label = `${String(stepNo).padStart(2, '0')} ${name}`;
  try {
    await fn();
    console.log(`ok   ${label}`);
  } catch (e) {
    console.error(`FAIL ${label}: ${e.message.split('\n')[0]}`);
    await shot(`FAILED-${name}`).catch(() => {});
    problems.push(`${label}: ${e.message.split('\n')[0]}`);
    throw e;
  }
}

async function shot(name, fullPage = false) {
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage });
}

/** No error banner on the page, or exactly the expected refusal codes. */
async function banners(expected = []) {
  const codes = await page.locator('[data-testid="error-banner"]').evaluateAll((els) =>
    els.map((e) => `${e.getAttribute('data-code')}: ${e.textContent?.trim()}`),
  );
  const unexpected = codes.filter((c) => !expected.some((x) => c.startsWith(`${x}:`)));
  if (unexpected.length) throw new Error(`error banner: ${unexpected.join(' | ')}`);
  for (const x of expected) {
    if (!codes.some((c) => c.startsWith(`${x}:`))) throw new Error(`expected refusal ${x} not shown`);
  }
}

const hash = () => page.evaluate(() => location.hash);
const reviewState = () =>
  page.locator('[data-testid="review-panel"] [data-state]').first().getAttribute('data-state');

try {
  await step('sign-in page', async () => {
    await page.goto(`${base}#/signin`);
    await page.getByTestId('enroll-code').waitFor();
    await banners();
    await shot('01-signin');
  });

  if (inspectorCode) {
    await step('an inspector is refused', async () => {
      await page.getByTestId('enroll-code').fill(inspectorCode);
      await page.getByTestId('enroll-submit').click();
      await page.locator('[data-testid="error-banner"]').waitFor();
      await banners(['client.wrong_role']);
      if (!(await hash()).startsWith('#/signin')) throw new Error('left the sign-in page');
      await shot('02-signin-inspector-refused');
    });
  }

  await step('enroll and sign in', async () => {
    await page.getByTestId('enroll-code').fill(code);
    await page.getByTestId('enroll-submit').click();
    // Either the list or a refusal: a refusal fails the step at once, with its message.
    await page.getByTestId('cases-table').or(page.getByTestId('error-banner')).first().waitFor();
    await banners();
    await page.waitForFunction(() => location.hash.startsWith('#/cases'));
    await shot('03-cases');
  });

  await step('filter the list (kept in the hash)', async () => {
    await page.locator('input[name="enterprise"]').fill('示范电镀');
    await page.locator('input[name="enterprise"]').press('Enter');
    await page.waitForFunction(() => location.hash.includes('enterprise='));
    await page.locator('select[name="status"]').selectOption('closed');
    await page.waitForFunction(() => location.hash.includes('status=closed'));
    await page.getByTestId('cases-table').or(page.getByTestId('cases-empty')).waitFor();
    await banners();
    await shot('04-cases-filtered');
    await page.reload();
    await page.getByTestId('cases-table').or(page.getByTestId('cases-empty')).waitFor();
    const kept = await page.locator('select[name="status"]').inputValue();
    if (kept !== 'closed') throw new Error('filter lost on reload');
  });

  await step('open the case', async () => {
    await page.goto(`${base}#/cases`);
    await page.getByTestId('cases-table').locator('tbody tr').first().click();
    await page.getByTestId('case-header').waitFor();
    await page.getByTestId('verification').waitFor();
    await banners();
    await shot('05-case-overview', true);
  });

  for (const [tab, name, ready] of [
    ['checklist', '06-case-checklist', 'findings'],
    ['samples', '07-case-samples', 'sample'],
    ['evidence', '08-case-evidence', 'evidence-gallery'],
    ['records', '09-case-records', 'transcripts'],
    ['timeline', '10-case-timeline', 'timeline'],
  ]) {
    await step(`tab ${tab}`, async () => {
      await page.locator(`.tabs a[href$="tab=${tab}"]`).click();
      await page.getByTestId(ready).first().waitFor();
      if (tab === 'evidence') {
        // Every thumbnail fetched with the token and decoded.
        await page.waitForFunction(() => {
          const imgs = [...document.querySelectorAll('[data-testid="evidence"] img')];
          return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
        });
      }
      if (tab === 'evidence') {
        // The original downloads with the token, named by its hash, and hashes to that name.
        const card = page.getByTestId('evidence').first();
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          card.getByRole('button', { name: '下载原件' }).click(),
        ]);
        const name = download.suggestedFilename();
        const bytes = readFileSync(await download.path());
        const sha = createHash('sha256').update(bytes).digest('hex');
        if (!name.startsWith(sha)) throw new Error(`downloaded ${name} hashes to ${sha}`);
        const shown = await card.locator('code').getAttribute('title');
        if (shown !== sha) throw new Error(`card shows ${shown}, file hashes to ${sha}`);
      }
      await banners();
      if (tab === 'checklist') {
        await page.getByTestId('findings').scrollIntoViewIfNeeded();
        await shot(name);
        await page.locator('tr.finding').first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
        await shot(`${name}-answers`);
      } else {
        await shot(name, tab !== 'timeline');
      }
    });
  }

  await step('open a transcript PDF in a new tab', async () => {
    await page.locator('.tabs a[href$="tab=records"]').click();
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: '打开PDF' }).first().click(),
    ]);
    await popup.waitForURL(/^blob:/, { timeout: 15000 });
    // The page's CSP (inherited by the blob: document) forbids fetch()ing it again, so the
    // check is the document type the browser gave the tab.
    await popup.waitForLoadState();
    const type = await popup.evaluate(() => document.contentType);
    if (type !== 'application/pdf') throw new Error(`the opened tab is ${type}, not a PDF`);
    await popup.setViewportSize({ width: 1280, height: 800 });
    await popup.waitForTimeout(1500);
    await popup.screenshot({ path: join(outDir, '09-transcript-pdf.png') });
    await banners();
    await popup.close();
  });

  await step('review: received → under review → returned (note required) → under review', async () => {
    const panel = page.getByTestId('review-panel');
    if ((await reviewState()) === 'received') {
      await panel.locator('button[data-action="under_review"]').click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="review-panel"] [data-state]')?.getAttribute('data-state') === 'under_review',
      );
    }
    if ((await reviewState()) !== 'under_review') throw new Error(`unexpected review state ${await reviewState()}`);
    const ret = panel.locator('button[data-action="returned"]');
    if (!(await ret.isDisabled())) throw new Error('return allowed without a note');
    await panel.getByTestId('review-note').fill('请补充危废贮存场所的全景照片');
    await ret.click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="review-panel"] [data-state]')?.getAttribute('data-state') === 'returned',
    );
    await banners();
    await shot('11-case-returned');
    await panel.locator('button[data-action="under_review"]').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="review-panel"] [data-state]')?.getAttribute('data-state') === 'under_review',
    );
    await banners();
  });

  await step('switch to English', async () => {
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: 'Review', exact: true }).waitFor();
    await banners();
    await shot('12-case-english');
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: '审查', exact: true }).waitFor();
  });

  await step('conflicts inbox', async () => {
    await page.goto(`${base}#/conflicts`);
    await page.getByTestId('conflict').first().or(page.getByTestId('conflicts-empty')).waitFor();
    await banners();
    await shot('13-conflicts', true);
  });

  if ((await page.getByTestId('conflict').count()) > 0) {
    await step('resolving needs a choice and a reason; then it resolves', async () => {
      const card = page.getByTestId('conflict').first();
      await card.getByRole('button', { name: '提交处理' }).click();
      await card.locator('[data-testid="error-banner"]').waitFor();
      await banners(['client.resolution_missing']);
      await card.getByLabel('保留当前值').check();
      await card.getByRole('button', { name: '提交处理' }).click();
      await banners(['client.note_missing']);
      await card.locator('textarea').fill('任务已由中心取消，现场检查照常归档');
      await card.getByRole('button', { name: '提交处理' }).click();
      await card.getByText('已处理：保留当前值').waitFor();
      await banners();
      await shot('14-conflict-resolved', true);
    });
  }

  await step('resolved conflicts', async () => {
    await page.goto(`${base}#/conflicts?show=resolved`);
    await page.getByTestId('conflict').first().or(page.getByTestId('conflicts-empty')).waitFor();
    await banners();
    await shot('13-conflicts-resolved', true);
    await page.goto(`${base}#/conflicts`);
    await page.getByTestId('conflict').first().or(page.getByTestId('conflicts-empty')).waitFor();
  });

  await step('alerts', async () => {
    await page.goto(`${base}#/alerts`);
    await page.getByRole('heading', { name: '预警' }).waitFor();
    await page.getByTestId('alerts-table').or(page.getByText('暂无预警。')).waitFor();
    await banners();
    await shot('15-alerts');
  });

  await step('a rejected token sends the user back to sign in, saying why', async () => {
    const saved = await page.evaluate(() => localStorage.getItem('fieldcase.center.session'));
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('fieldcase.center.session') ?? '{}');
      localStorage.setItem('fieldcase.center.session', JSON.stringify({ ...s, token: 'not-a-token' }));
    });
    expectedConsole = [/status of 401/];
    await page.goto(`${base}#/cases`);
    await page.reload();
    await page.waitForFunction(() => location.hash.startsWith('#/signin'));
    await page.getByText('登录已失效，请重新登记。').waitFor();
    await banners(['auth.missing']);
    await shot('16-session-expired');
    // Back to the real session for the last step.
    await page.evaluate((s) => localStorage.setItem('fieldcase.center.session', s ?? ''), saved);
    await page.goto(`${base}#/cases`);
    await page.reload();
    await page.getByTestId('cases-table').waitFor();
    expectedConsole = [];
  });

  await step('sign out', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/signin'));
    await page.getByText('您已退出登录。').waitFor();
    await shot('17-signed-out');
  });
} catch {
  // Reported by step(); fall through to the summary.
}

await browser.close();
if (problems.length) {
  console.error(`\n${problems.length} problem(s):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`\nall steps passed; screenshots in ${outDir}`);
