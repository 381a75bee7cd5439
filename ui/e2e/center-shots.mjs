// Drives the center pages in headless Chromium against a real server and saves screenshots:
// sign in with an enrollment code, the case list (and a filter), the case detail tabs, the
// review moves, a transcript PDF, the language switch, the conflicts inbox (resolving one),
// the alerts, the ledgers, the enterprise register (an import refused, one accepted) and one
// enterprise's file, dispatching a task from it (the officer rule first), the task list with
// nearest officers, reassigning and cancelling, a trial and a real double-random draw with the
// re-run check, and signing out. The server needs the center demo data (demo/center: officers,
// enterprises, users with teams) for the dispatch steps. Exits non-zero when a step fails or a page shows an error
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
  // From the top: a full-page shot of a scrolled page paints the sticky header mid-page.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
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

  await dispatchSteps();

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

/** The task, draw and enterprise pages and the ledgers (steps 20–). */
async function dispatchSteps() {
  const tomorrow = await page.evaluate(() => {
    const d = new Date(Date.now() + 36 * 3600e3);
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);
  });
  const stamp = Date.now().toString(36);

  await step('ledgers download with the token, named by the server', async () => {
    await page.goto(`${base}#/cases?status=closed`);
    await page.getByTestId('cases-table').or(page.getByTestId('cases-empty')).waitFor();
    await page.getByTestId('ledger-export').getByLabel('CSV').check();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-inspections').click()]);
    const csvBytes = readFileSync(await csv.path());
    if (!csv.suggestedFilename().endsWith('.csv') || csvBytes.length === 0) {
      throw new Error(`inspection ledger: ${csv.suggestedFilename()}, ${csvBytes.length} bytes`);
    }
    await page.getByTestId('ledger-export').getByLabel('Excel').check();
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-findings').click()]);
    const xlsxBytes = readFileSync(await xlsx.path());
    // An .xlsx is a ZIP: it starts with PK.
    if (!xlsx.suggestedFilename().endsWith('.xlsx') || xlsxBytes.subarray(0, 2).toString() !== 'PK') {
      throw new Error(`findings ledger: ${xlsx.suggestedFilename()} is not an xlsx`);
    }
    console.log(`     ledgers: ${csv.suggestedFilename()} (${csvBytes.length} B), ${xlsx.suggestedFilename()} (${xlsxBytes.length} B)`);
    await banners();
    await shot('20-cases-ledgers');
  });

  await step('enterprise register, searched', async () => {
    await page.goto(`${base}#/enterprises`);
    await page.getByTestId('enterprises-table').waitFor();
    await banners();
    await shot('21-enterprises');
    await page.locator('input[name="q"]').fill('印染');
    await page.locator('input[name="q"]').press('Enter');
    await page.waitForFunction(() => location.hash.includes('q='));
    await page.getByTestId('enterprises-table').or(page.getByTestId('enterprises-empty')).waitFor();
    await banners();
    await shot('22-enterprises-searched');
  });

  await step('an import with bad rows is refused, each row named; a good one is taken', async () => {
    await page.goto(`${base}#/enterprises`);
    await page.getByTestId('enterprises-table').waitFor();
    const panel = page.getByTestId('enterprise-import');
    await panel.locator('summary').click();
    const bad = 'id,uscc,name,address,area,lon,lat\nE-BAD1,123,坏行一,某路1号,320505,120.6,31.3\nE-BAD2,91320505MA1XXXXX9X,坏行二,某路2号,320505,abc,31.3\n';
    await panel.getByTestId('import-file').setInputFiles({ name: '企业名录.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    expectedConsole = [/status of 400/];
    await panel.getByTestId('import-submit').click();
    await panel.getByTestId('error-banner').waitFor();
    const items = await panel.locator('[data-testid="error-banner"] li').count();
    if (items < 2) throw new Error(`the refusal lists ${items} problem(s), expected one per bad row`);
    await banners(['request.bad']);
    await shot('23-enterprises-import-refused');
    expectedConsole = [];
    const good = [{
      id: `E-E2E-${stamp}`, uscc: '91320505MA1E2E0001', name: `端到端测试企业 ${stamp}`, address: '苏州市虎丘区测试路1号',
      area: '320505', location: { lat: 31.3, lon: 120.55 }, industry_codes: ['C3360'], flags: ['has_permit'], risk: 'yellow',
    }];
    await panel.getByTestId('import-file').setInputFiles({ name: 'one.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
    await panel.getByTestId('import-submit').click();
    await panel.getByText('已导入 1 家企业。').waitFor();
    await banners();
  });

  let enterpriseId = '';
  // The demo case's enterprise: it has a case, findings, and officers whose check-in there
  // gives them a position (so the nearest-officer list below is not empty).
  await step('one enterprise file (一企一档)', async () => {
    await page.goto(`${base}#/enterprises?q=${encodeURIComponent('示范电镀')}`);
    await page.getByTestId('enterprises-table').waitFor();
    await page.getByTestId('enterprises-table').locator('tbody tr').first().click();
    await page.getByTestId('enterprise-header').waitFor();
    enterpriseId = decodeURIComponent((await hash()).split('/')[2] ?? '');
    await banners();
    await shot('24-enterprise-file', true);
  });

  let taskId = '';
  await step('dispatch from the file: the two-officer rule, then the task', async () => {
    await page.getByTestId('enterprise-dispatch').click();
    await page.getByTestId('task-form').waitFor();
    await page.locator(`[data-testid="enterprise-chosen"][data-id="${enterpriseId}"]`).waitFor();
    await page.locator('input[name="source_ref"]').fill(`12369-2026-${stamp}`);
    await page.locator('textarea[name="note"]').fill('群众反映夜间有刺鼻气味，疑似废气未经处理直排');
    // The first team with two officers who are not grid workers.
    const teams = await page.getByTestId('task-team').locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    let picked = false;
    for (const team of teams) {
      await page.getByTestId('task-team').selectOption(team);
      const officers = page.locator('[data-testid="task-officers"] label:not(:has(.tag)) input');
      if ((await officers.count()) >= 2) {
        await officers.nth(0).check();
        picked = true;
        break;
      }
    }
    if (!picked) throw new Error('no team with two officers');
    await page.locator('input[name="due"]').fill(tomorrow);
    await page.getByTestId('task-submit').click();
    await page.getByTestId('task-problems').getByText('现场检查须由至少两名执法人员进行').waitFor();
    await shot('25-task-new-rule', true);
    await page.locator('[data-testid="task-officers"] label:not(:has(.tag)) input').nth(1).check();
    await page.getByTestId('task-submit').click();
    await page.waitForFunction(() => location.hash.startsWith('#/tasks?created='));
    taskId = decodeURIComponent(/created=([^&]+)/.exec(await hash())[1]);
    await page.getByTestId('tasks-table').waitFor();
    await page.locator(`[data-task="${taskId}"]`).waitFor();
    await banners();
    await shot('26-tasks-created');
  });

  await step('nearest officers for the new task', async () => {
    const row = page.locator(`[data-task="${taskId}"]`);
    await row.locator('button[data-action="nearest"]').click();
    const panel = page.getByTestId('nearest-panel');
    await panel.getByTestId('nearest-table').or(panel.getByTestId('nearest-empty')).waitFor();
    await panel.getByTestId('nearest-radius').selectOption('10000');
    await panel.getByTestId('nearest-table').or(panel.getByTestId('nearest-empty')).waitFor();
    await banners();
    await shot('27-tasks-nearest', true);
  });

  await step('reassign the task to another team, then cancel it', async () => {
    const row = page.locator(`[data-task="${taskId}"]`);
    await row.locator('button[data-action="reassign"]').click();
    const change = page.getByTestId('task-change');
    const others = await change.getByTestId('reassign-team').locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    // Another team with two officers (not grid workers): the rule is checked before sending.
    let target = '';
    for (const team of others) {
      await change.getByTestId('reassign-team').selectOption(team);
      const boxes = change.locator('[data-testid="reassign-officers"] label:not(:has(.tag)) input');
      if ((await boxes.count()) >= 2) {
        await boxes.nth(0).check();
        await change.locator('button[type="submit"]').click();
        await change.getByTestId('error-banner').waitFor();
        await banners(['client.reassign_incomplete']);
        await shot('28-tasks-reassign-rule', true);
        await boxes.nth(1).check();
        target = team;
        break;
      }
    }
    if (!target) throw new Error('no other team with two officers offered');
    await change.locator('button[type="submit"]').click();
    await page.getByText(`任务 ${taskId} 已改派给 ${target}。`).or(page.getByTestId('task-conflict')).waitFor();
    await banners();
    await shot('28-tasks-reassigned');
    await page.locator(`[data-task="${taskId}"] button[data-action="cancel"]`).click();
    await page.getByTestId('task-change').locator('button[type="submit"]').click();
    await page.getByText(`任务 ${taskId} 已取消。`).or(page.getByTestId('task-conflict')).waitFor();
    await page.locator(`[data-task="${taskId}"] [data-state="cancelled"]`).waitFor();
    await banners();
  });

  let drawId = '';
  const seed = `e2e-${stamp}-0123456789abcdef`;
  await step('a trial draw, recorded, and its re-run check', async () => {
    await page.goto(`${base}#/draws/new`);
    await page.getByTestId('draw-form').waitFor();
    await page.locator('input[name="name"]').fill(`2026年第四季度 重点排污单位 双随机抽查（试抽 ${stamp}）`);
    await page.locator('input[name="area"]').fill('3205');
    await page.locator('input[name="ratio_percent"]').fill('20');
    await page.locator('input[name="supervisor"]').fill('法制科 陈静');
    await page.locator('input[name="due"]').fill(tomorrow);
    await page.getByTestId('draw-generate-seed').click();
    if (!/^[0-9a-f]{32}$/.test(await page.getByTestId('draw-seed').inputValue())) throw new Error('generated seed is not 32 hex');
    await page.getByTestId('draw-seed-hash').getByText(/^[0-9a-f]{64}$/).waitFor();
    await page.getByTestId('draw-seed').fill(seed);
    await shot('29-draw-new', true);
    await page.getByTestId('draw-trial').click();
    await page.waitForFunction(() => /^#\/draws\/[^/]+$/.test(location.hash) && !location.hash.endsWith('/new'));
    drawId = decodeURIComponent((await hash()).split('/')[2]);
    await page.getByTestId('draw-record').waitFor();
    if ((await page.getByTestId('draw-seed-value').textContent()) !== seed) throw new Error('the record does not show the seed');
    await page.getByTestId('draw-verify-run').click();
    await page.locator('[data-testid="draw-verify-result"][data-same="true"]').waitFor();
    await banners();
    await shot('30-draw-trial-verified', true);
  });

  await step('the real draw creates tasks; random-draw tasks offer no proximity dispatch', async () => {
    await page.goto(`${base}#/draws/new`);
    await page.locator('input[name="name"]').fill(`2026年第四季度 重点排污单位 双随机抽查 ${stamp}`);
    await page.locator('input[name="area"]').fill('3205');
    await page.locator('input[name="ratio_percent"]').fill('20');
    await page.locator('input[name="supervisor"]').fill('法制科 陈静');
    await page.locator('input[name="due"]').fill(tomorrow);
    await page.getByTestId('draw-generate-seed').click();
    await page.getByTestId('draw-real').click();
    await page.getByTestId('draw-confirm').waitFor();
    await page.getByTestId('draw-confirm-real').click();
    await page.waitForFunction((prev) => /^#\/draws\/[^/]+$/.test(location.hash) && !location.hash.endsWith('/new') && !location.hash.endsWith(prev), encodeURIComponent(drawId));
    await page.getByTestId('drawn-table').waitFor();
    await banners();
    await shot('31-draw-real', true);
    const drawnTask = await page.getByTestId('drawn-table').locator('tbody a.mono').first().textContent();
    await page.goto(`${base}#/tasks?source=random_draw`);
    await page.getByTestId('tasks-table').waitFor();
    if (await page.locator('[data-testid="tasks-table"] button[data-action="nearest"]').count()) {
      throw new Error('a random-draw task offers nearest officers');
    }
    // Asked anyway (a hand-made URL), the server refuses and says why.
    expectedConsole = [/status of 409/];
    const answer = await page.evaluate(async (id) => {
      const s = JSON.parse(localStorage.getItem('fieldcase.center.session') ?? '{}');
      const r = await fetch(`/v1/tasks/${encodeURIComponent(id)}/nearest?radius_m=3000`, {
        headers: { Authorization: `Bearer ${s.token}`, 'fieldcase-protocol': '1' },
      });
      return { status: r.status, body: await r.json() };
    }, drawnTask?.trim() ?? '');
    if (answer.status !== 409 || answer.body.code !== 'dispatch.random_draw') {
      throw new Error(`nearest for a random-draw task answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expectedConsole = [];
    await banners();
    await shot('32-tasks-random-draw');
  });

  await step('the draw list, and a draw in English', async () => {
    await page.goto(`${base}#/draws`);
    await page.getByTestId('draws-table').waitFor();
    await banners();
    await shot('33-draws');
    await page.goto(`${base}#/draws/${encodeURIComponent(drawId)}`);
    await page.getByTestId('draw-record').waitFor();
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: 'Re-run check' }).waitFor();
    await shot('34-draw-english', true);
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: '复核抽取' }).waitFor();
  });
}

await browser.close();
if (problems.length) {
  console.error(`\n${problems.length} problem(s):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`\nall steps passed; screenshots in ${outDir}`);
