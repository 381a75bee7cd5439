// The center pages' end-to-end test (issue 6), run by tests/tests/center_pages.rs against the
// real server (started with --pages ui/dist and loaded by demo/center/seed.py, which also syncs
// a real inspection): headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// walks every page and saves a screenshot of each for review.
//
// The walk: an inspector's code is refused by the sign-in page; the clerk signs in; the case
// list, filtered; the synced case's tabs (evidence downloaded and hashed) and a transcript PDF;
// its review end to end through the panel's buttons (开始审查 → 退回 with a note → 重新审查 →
// 通过); English once; a sync conflict resolved with a reason; two trial double-random draws
// with the same seed through the new-draw form, giving the same result, and the re-run check
// (复核抽取) of one; a real draw and its tasks; the findings ledger as CSV and the inspection
// ledger as Excel, read back here; a complaint task created through the task form, and the
// nearest officers for it; the enterprise register (an import refused, one accepted) and one
// enterprise's file, dispatching from it, reassigning and cancelling; the alerts; a revoked
// token renewed with the browser's own key, and an unknown one; a token nothing can renew;
// signing out.
//
// Progress goes to stderr; on success stdout gets ONE JSON line:
//   {"case_id", "review_history": [states, oldest first], "conflict_resolved", "conflict_note",
//    "draws": [trial 1, trial 2], "ledger_rows", "task_created"}
// Exits non-zero when a step fails, or a page shows an error banner or logs a console error
// that the step did not expect.
//
//   FIELDCASE_UI_URL          the center page, e.g. http://127.0.0.1:8080/ui/center.html (required)
//   FIELDCASE_ENROLL_CODE     a fresh enrollment code of a center_staff user (required)
//   FIELDCASE_INSPECTOR_CODE  a fresh code of an inspector: the sign-in page must refuse it (required)
//   FIELDCASE_SHOTS_DIR       where the PNGs go (default /tmp/ui-shots)
//   FIELDCASE_CHROMIUM        the browser (default /usr/bin/chromium)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const base = process.env.FIELDCASE_UI_URL;
const code = process.env.FIELDCASE_ENROLL_CODE;
const inspectorCode = process.env.FIELDCASE_INSPECTOR_CODE;
const outDir = process.env.FIELDCASE_SHOTS_DIR ?? '/tmp/ui-shots';
const executablePath = process.env.FIELDCASE_CHROMIUM ?? '/usr/bin/chromium';
if (!base || !code || !inspectorCode) {
  console.error('set FIELDCASE_UI_URL, FIELDCASE_ENROLL_CODE and FIELDCASE_INSPECTOR_CODE');
  process.exit(2);
}
if (!existsSync(executablePath)) {
  console.error(`no browser at ${executablePath} (apt-get install chromium, or set FIELDCASE_CHROMIUM)`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const log = (...a) => console.error(...a);

// --lang: the browser's own widgets (date pickers) in Chinese, as on a clerk's desktop.
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--lang=zh-CN'] });
const context = await browser.newContext({
  viewport: { width: 1280, height: 800 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  acceptDownloads: true,
});
context.setDefaultTimeout(15_000);
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
  const started = Date.now();
  try {
    await fn();
    log(`ok   ${label} (${Date.now() - started} ms)`);
  } catch (e) {
    const msg = String(e?.message ?? e).split('\n')[0];
    log(`FAIL ${label}: ${msg}`);
    await page.screenshot({ path: join(outDir, `FAILED-${String(stepNo).padStart(2, '0')}.png`) }).catch(() => {});
    problems.push(`${label}: ${msg}`);
    throw e;
  }
}

let shotNo = 0;
/** A PNG of what the page shows now, numbered in walk order. */
async function shot(name, fullPage = false, target = page) {
  shotNo++;
  // From the top: a full-page shot of a scrolled page paints the sticky header mid-page.
  if (fullPage) await target.evaluate(() => window.scrollTo(0, 0));
  await target.screenshot({ path: join(outDir, `${String(shotNo).padStart(2, '0')}-${name}.png`), fullPage });
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

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const hash = () => page.evaluate(() => location.hash);
const REVIEW_STATE = '[data-testid="review-panel"] [data-state]';
const reviewState = () => page.locator(REVIEW_STATE).first().getAttribute('data-state');
const waitReview = (state) =>
  page.waitForFunction(
    ([sel, s]) => document.querySelector(sel)?.getAttribute('data-state') === s,
    [REVIEW_STATE, state],
  );

// ---- ledgers read back: CSV and the ZIP inside an .xlsx, with nothing but node ----

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF, newlines inside quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The entries of a ZIP file (name → bytes), read through its central directory. */
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip: bad central directory entry ${n}`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`zip: bad local header of ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + compressed);
    if (method === 0) entries.set(name, data);
    else if (method === 8) entries.set(name, inflateRawSync(data));
    else throw new Error(`zip: ${name} uses method ${method}`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const xmlText = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

const FINDINGS_HEADER = [
  '序号', '检查日期', '企业名称', '统一社会信用代码', '检查项', '检查内容', '问题描述',
  '实测值与限值', '违法依据', '处罚依据', '执法人员', '审查状态', '案件编号',
];

// ---- what the run reports ----
const result = {
  case_id: '',
  review_history: [],
  conflict_resolved: '',
  conflict_note: '',
  draws: [],
  ledger_rows: 0,
  task_created: '',
};
let enterpriseName = '';
const tomorrow = await page.evaluate(() => {
  const d = new Date(Date.now() + 36 * 3600e3);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);
});
const stamp = Date.now().toString(36);

try {
  await step('sign-in page', async () => {
    await page.goto(`${base}#/signin`);
    await page.getByTestId('enroll-code').waitFor();
    await banners();
    await shot('signin');
  });

  await step("an inspector's code is refused", async () => {
    await page.getByTestId('enroll-code').fill(inspectorCode);
    await page.getByTestId('enroll-submit').click();
    await page.locator('[data-testid="error-banner"]').waitFor();
    await banners(['client.wrong_role']);
    check((await hash()).startsWith('#/signin'), 'left the sign-in page');
    const kept = await page.evaluate(() => localStorage.getItem('fieldcase.center.session'));
    check(!kept, 'the refused sign-in kept a session');
    await shot('signin-inspector-refused');
  });

  await step('the clerk signs in', async () => {
    await page.getByTestId('enroll-code').fill(code);
    await page.getByTestId('enroll-submit').click();
    // Either the list or a refusal: a refusal fails the step at once, with its message.
    await page.getByTestId('cases-table').or(page.getByTestId('error-banner')).first().waitFor();
    await banners();
    await page.waitForFunction(() => location.hash.startsWith('#/cases'));
    await page.getByTestId('user').waitFor();
    await shot('cases');
  });

  await step('filter the list (kept in the hash and on reload)', async () => {
    await page.locator('input[name="enterprise"]').fill('示范电镀');
    await page.locator('input[name="enterprise"]').press('Enter');
    await page.waitForFunction(() => location.hash.includes('enterprise='));
    await page.locator('select[name="status"]').selectOption('closed');
    await page.waitForFunction(() => location.hash.includes('status=closed'));
    await page.getByTestId('cases-table').waitFor();
    await banners();
    await page.reload();
    await page.getByTestId('cases-table').waitFor();
    check((await page.locator('select[name="status"]').inputValue()) === 'closed', 'filter lost on reload');
    const rows = await page.getByTestId('cases-table').locator('tbody tr').count();
    check(rows === 1, `the filtered list shows ${rows} cases, expected the synced one`);
    await shot('cases-filtered');
  });

  await step('open the synced case', async () => {
    await page.getByTestId('cases-table').locator('tbody tr').first().click();
    await page.getByTestId('case-header').waitFor();
    await page.getByTestId('verification').waitFor();
    result.case_id = decodeURIComponent((await hash()).replace(/^#\/cases\//, '').split('?')[0]);
    check(/^[0-9a-f-]{36}$/.test(result.case_id), `case id ${result.case_id}`);
    enterpriseName = (await page.getByTestId('case-header').locator('h1').textContent())?.trim() ?? '';
    check(enterpriseName.includes('示范电镀'), `the case is for ${enterpriseName}`);
    await banners();
    await shot('case-overview', true);
  });

  for (const [tab, ready] of [
    ['checklist', 'findings'],
    ['samples', 'sample'],
    ['evidence', 'evidence-gallery'],
    ['records', 'transcripts'],
    ['timeline', 'timeline'],
  ]) {
    await step(`case tab ${tab}`, async () => {
      await page.locator(`.tabs a[href$="tab=${tab}"]`).click();
      await page.getByTestId(ready).first().waitFor();
      if (tab === 'evidence') {
        // Every thumbnail fetched with the token and decoded.
        await page.waitForFunction(() => {
          const imgs = [...document.querySelectorAll('[data-testid="evidence"] img')];
          return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
        });
        // The original downloads with the token, named by its hash, and hashes to that name.
        const card = page.getByTestId('evidence').first();
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          card.getByRole('button', { name: '下载原件' }).click(),
        ]);
        const name = download.suggestedFilename();
        const sha = createHash('sha256').update(readFileSync(await download.path())).digest('hex');
        check(name.startsWith(sha), `downloaded ${name} hashes to ${sha}`);
        const shown = await card.locator('code').getAttribute('title');
        check(shown === sha, `card shows ${shown}, file hashes to ${sha}`);
      }
      await banners();
      if (tab === 'checklist') {
        await page.getByTestId('findings').scrollIntoViewIfNeeded();
        await shot('case-checklist');
        await page.locator('tr.finding').first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
        await shot('case-checklist-answers');
      } else {
        await shot(`case-${tab}`, tab !== 'timeline');
      }
    });
  }

  await step('open a transcript PDF in a new tab', async () => {
    await page.locator('.tabs a[href$="tab=records"]').click();
    const [response, popup] = await Promise.all([
      page.waitForResponse((r) => /\/v1\/cases\/.+\/transcripts\/.+\/pdf$/.test(new URL(r.url()).pathname)),
      context.waitForEvent('page'),
      page.getByRole('button', { name: '打开PDF' }).first().click(),
    ]);
    check(response.status() === 200, `the PDF answered ${response.status()}`);
    const type = response.headers()['content-type'] ?? '';
    check(type.startsWith('application/pdf'), `the PDF came as ${type}`);
    // Chromium keeps no copy of a body the page read as a blob, so the bytes are fetched again
    // with the very request's headers (its token) and checked to be a PDF.
    const again = await page.request.get(response.url(), { headers: await response.request().allHeaders() });
    const body = await again.body();
    check(again.ok() && body.subarray(0, 5).toString() === '%PDF-', `the PDF (${body.length} bytes) does not start with %PDF-`);
    await popup.waitForURL(/^blob:/);
    // The page's CSP (inherited by the blob: document) forbids fetch()ing it again, so the
    // check is the document type the browser gave the tab.
    await popup.waitForLoadState();
    const shown = await popup.evaluate(() => document.contentType);
    check(shown === 'application/pdf', `the opened tab is ${shown}, not a PDF`);
    await popup.setViewportSize({ width: 1280, height: 800 });
    await popup.waitForTimeout(1500);
    await shot('transcript-pdf', false, popup);
    await popup.close();
    await banners();
  });

  await step('review end to end: 开始审查 → 退回 (note required) → 重新审查 → 通过', async () => {
    const panel = page.getByTestId('review-panel');
    const seen = [];
    check((await reviewState()) === 'received', `the synced case is ${await reviewState()}, not received`);
    await panel.getByRole('button', { name: '开始审查', exact: true }).click();
    await waitReview('under_review');
    seen.push(await reviewState());
    await banners();
    await shot('case-under-review', true);

    const ret = panel.getByRole('button', { name: '退回', exact: true });
    check(await ret.isDisabled(), 'return allowed without a note');
    await panel.getByTestId('review-note').fill('请补充危废贮存场所的全景照片');
    await ret.click();
    await waitReview('returned');
    seen.push(await reviewState());
    await banners();
    await shot('case-returned', true);

    await panel.getByRole('button', { name: '重新审查', exact: true }).click();
    await waitReview('under_review');
    seen.push(await reviewState());
    await banners();

    await panel.getByTestId('review-note').fill('补充材料齐全，同意归档');
    await panel.getByRole('button', { name: '通过', exact: true }).click();
    await waitReview('accepted');
    seen.push(await reviewState());
    await page.getByText('案件已通过审查，无需进一步操作。').waitFor();
    await banners();
    // The history the panel shows (newest first) after a reload: what the server holds.
    await page.reload();
    await waitReview('accepted');
    const history = (
      await panel.getByTestId('review-history').locator('[data-state]').evaluateAll((els) =>
        els.map((e) => e.getAttribute('data-state')),
      )
    ).reverse();
    check(
      JSON.stringify(history) === JSON.stringify(seen),
      `the panel's history ${JSON.stringify(history)} differs from the moves made ${JSON.stringify(seen)}`,
    );
    result.review_history = history;
    await panel.scrollIntoViewIfNeeded();
    await shot('case-accepted');
  });

  await step('switch to English (and back)', async () => {
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: 'Review', exact: true }).waitFor();
    await banners();
    await shot('case-english');
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: '审查', exact: true }).waitFor();
  });

  await step('conflicts: resolving needs a choice and a reason; then it resolves', async () => {
    await page.goto(`${base}#/conflicts`);
    await page.getByTestId('conflict').first().or(page.getByTestId('conflicts-empty')).waitFor();
    await banners();
    await shot('conflicts', true);
    const open = await page.getByTestId('conflict').count();
    check(open > 0, 'no open conflict to resolve (seed.py makes two)');
    const card = page.getByTestId('conflict').first();
    const id = await card.getAttribute('data-id');
    await card.getByRole('button', { name: '提交处理' }).click();
    await card.locator('[data-testid="error-banner"]').waitFor();
    await banners(['client.resolution_missing']);
    await card.getByLabel('保留当前值').check();
    await card.getByRole('button', { name: '提交处理' }).click();
    await banners(['client.note_missing']);
    const note = `任务已由中心取消，现场检查照常归档（${stamp}）`;
    await card.locator('textarea').fill(note);
    await card.getByRole('button', { name: '提交处理' }).click();
    await card.getByText('已处理：保留当前值').waitFor();
    await card.getByText(note).waitFor();
    await banners();
    await shot('conflict-resolved', true);
    result.conflict_resolved = id ?? '';
    result.conflict_note = note;
  });

  await step('resolved conflicts', async () => {
    await page.goto(`${base}#/conflicts?show=resolved`);
    await page.locator(`[data-testid="conflict"][data-id="${result.conflict_resolved}"]`).waitFor();
    await banners();
    await shot('conflicts-resolved', true);
  });

  const drawName = `2026年第四季度 重点排污单位 双随机抽查（试抽 ${stamp}）`;
  const seed = `e2e-${stamp}-0123456789abcdef`;
  /** Fills the new-draw form with the plan and `seed`. */
  async function fillDraw(name, drawSeed) {
    await page.goto(`${base}#/draws/new`);
    await page.getByTestId('draw-form').waitFor();
    await page.locator('input[name="name"]').fill(name);
    await page.locator('input[name="area"]').fill('3205');
    await page.locator('input[name="ratio_percent"]').fill('20');
    await page.locator('input[name="supervisor"]').fill('法制科 陈静');
    await page.locator('input[name="due"]').fill(tomorrow);
    if (drawSeed) await page.getByTestId('draw-seed').fill(drawSeed);
    else await page.getByTestId('draw-generate-seed').click();
  }
  /** The drawn table as shown: position, enterprise id, officers, in order. */
  const drawnRows = () =>
    page.getByTestId('drawn-table').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => {
        const td = tr.querySelectorAll('td');
        return [td[0].textContent.trim(), td[1].querySelector('.sub').textContent.trim(), td[3].textContent.trim()];
      }),
    );
  /** Runs a trial draw from the filled form; answers its id once its record shows. */
  async function trial(previous) {
    await page.getByTestId('draw-trial').click();
    await page.waitForFunction(
      (prev) => /^#\/draws\/[^/]+$/.test(location.hash) && !location.hash.endsWith('/new') && location.hash !== prev,
      previous ? `#/draws/${encodeURIComponent(previous)}` : '',
    );
    const id = decodeURIComponent((await hash()).split('/')[2]);
    await page.getByTestId('draw-record').waitFor();
    await page.getByTestId('drawn-table').waitFor();
    check((await page.getByTestId('draw-seed-value').textContent()) === seed, 'the record does not show the seed');
    return id;
  }

  let firstRows = [];
  await step('a trial draw through the form', async () => {
    await fillDraw(drawName, '');
    check(/^[0-9a-f]{32}$/.test(await page.getByTestId('draw-seed').inputValue()), 'generated seed is not 32 hex');
    await page.getByTestId('draw-seed').fill(seed);
    const expected = createHash('sha256').update(seed).digest('hex');
    await page.getByTestId('draw-seed-hash').getByText(expected, { exact: true }).waitFor();
    await shot('draw-new', true);
    result.draws.push(await trial(''));
    firstRows = await drawnRows();
    check(firstRows.length > 0, 'the trial drew nothing');
    await banners();
    await shot('draw-trial-1', true);
  });

  await step('the same trial again with the same seed draws the same', async () => {
    await fillDraw(drawName, seed);
    result.draws.push(await trial(result.draws[0]));
    check(result.draws[0] !== result.draws[1], 'the second trial did not make a new record');
    const again = await drawnRows();
    check(
      JSON.stringify(again) === JSON.stringify(firstRows),
      `same seed, different result:\n${JSON.stringify(firstRows)}\n${JSON.stringify(again)}`,
    );
    await banners();
    await shot('draw-trial-2', true);
  });

  await step('the draw list; the first trial re-run (复核抽取) reproduces it', async () => {
    await page.goto(`${base}#/draws`);
    await page.getByTestId('draws-table').waitFor();
    for (const id of result.draws) await page.locator(`[data-draw="${id}"]`).waitFor();
    await banners();
    await shot('draws');
    await page.locator(`[data-draw="${result.draws[0]}"] a`).first().click();
    await page.waitForFunction((h) => location.hash === h, `#/draws/${encodeURIComponent(result.draws[0])}`);
    await page.getByTestId('draw-record').waitFor();
    await page.getByTestId('draw-verify').getByRole('button', { name: '复核抽取' }).click();
    await page.locator('[data-testid="draw-verify-result"][data-same="true"]').waitFor();
    await page.getByText('以相同种子和输入重新抽取，结果一致').waitFor();
    await banners();
    await shot('draw-verified', true);
  });

  await step('the real draw creates tasks; random-draw tasks offer no proximity dispatch', async () => {
    await fillDraw(`2026年第四季度 重点排污单位 双随机抽查 ${stamp}`, '');
    await page.getByTestId('draw-real').click();
    await page.getByTestId('draw-confirm').waitFor();
    await page.getByTestId('draw-confirm-real').click();
    await page.waitForFunction(
      (prev) => /^#\/draws\/[^/]+$/.test(location.hash) && !location.hash.endsWith('/new') && !prev.includes(location.hash),
      result.draws.map((d) => `#/draws/${encodeURIComponent(d)}`),
    );
    await page.getByTestId('drawn-table').waitFor();
    await banners();
    await shot('draw-real', true);
    const drawnTask = (await page.getByTestId('drawn-table').locator('tbody a.mono').first().textContent())?.trim() ?? '';
    await page.goto(`${base}#/tasks?source=random_draw`);
    await page.getByTestId('tasks-table').waitFor();
    check(
      (await page.locator('[data-testid="tasks-table"] button[data-action="nearest"]').count()) === 0,
      'a random-draw task offers nearest officers',
    );
    // Asked anyway (a hand-made URL), the server refuses and says why.
    expectedConsole = [/status of 409/];
    const answer = await page.evaluate(async (id) => {
      const s = JSON.parse(localStorage.getItem('fieldcase.center.session') ?? '{}');
      const r = await fetch(`/v1/tasks/${encodeURIComponent(id)}/nearest?radius_m=3000`, {
        headers: { Authorization: `Bearer ${s.token}`, 'fieldcase-protocol': '1' },
      });
      return { status: r.status, body: await r.json() };
    }, drawnTask);
    check(
      answer.status === 409 && answer.body.code === 'dispatch.random_draw',
      `nearest for a random-draw task answered ${answer.status} ${JSON.stringify(answer.body)}`,
    );
    expectedConsole = [];
    await banners();
    await shot('tasks-random-draw');
  });

  await step('a draw in English', async () => {
    await page.goto(`${base}#/draws/${encodeURIComponent(result.draws[1])}`);
    await page.getByTestId('draw-record').waitFor();
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: 'Re-run check' }).waitFor();
    await shot('draw-english', true);
    await page.getByTestId('locale-toggle').click();
    await page.getByRole('heading', { name: '复核抽取' }).waitFor();
  });

  await step('ledgers from the case list: findings as CSV, inspections as Excel, read back', async () => {
    await page.goto(`${base}#/cases`);
    await page.getByTestId('cases-table').waitFor();
    const ledgers = page.getByTestId('ledger-export');

    await ledgers.getByLabel('CSV').check();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-findings').click()]);
    check(/^问题台账.*\.csv$/.test(csv.suggestedFilename()), `findings ledger saved as ${csv.suggestedFilename()}`);
    const csvBytes = readFileSync(await csv.path());
    check(csvBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'the CSV has no UTF-8 byte-order mark');
    const rows = parseCsv(csvBytes.subarray(3).toString('utf8')).filter((r) => r.some((f) => f !== ''));
    const [header, ...data] = rows;
    check(JSON.stringify(header) === JSON.stringify(FINDINGS_HEADER), `findings ledger header ${JSON.stringify(header)}`);
    check(data.every((r) => r.length === header.length), 'a findings row has the wrong number of fields');
    const col = (name) => header.indexOf(name);
    const ours = data.filter((r) => r[col('案件编号')] === result.case_id);
    check(ours.length > 0, `the findings ledger has no row of case ${result.case_id}`);
    check(ours.every((r) => r[col('企业名称')] === enterpriseName), `the findings ledger names another enterprise than ${enterpriseName}`);
    check(ours.every((r) => r[col('审查状态')] === '已通过'), 'the findings ledger does not show the case as accepted');
    check(ours.every((r) => r[col('问题描述')].trim() !== ''), 'a finding without its description');
    result.ledger_rows = data.length;

    await ledgers.getByLabel('Excel').check();
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-inspections').click()]);
    check(/^检查台账.*\.xlsx$/.test(xlsx.suggestedFilename()), `inspection ledger saved as ${xlsx.suggestedFilename()}`);
    const zip = unzip(readFileSync(await xlsx.path()));
    const strings = zip.get('xl/sharedStrings.xml');
    const sheet = zip.get('xl/worksheets/sheet1.xml');
    check(strings && sheet, `the xlsx lacks its strings or sheet: ${[...zip.keys()].join(', ')}`);
    const texts = [...strings.toString('utf8').matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => xmlText(m[1]));
    for (const want of ['企业名称', '案件编号', enterpriseName, result.case_id, '已通过']) {
      check(texts.includes(want), `the inspection ledger (xlsx) lacks ${want}`);
    }
    const sheetRows = (sheet.toString('utf8').match(/<row[\s>]/g) ?? []).length;
    check(sheetRows === 2, `the inspection ledger has ${sheetRows - 1} case rows, expected 1`);
    const book = zip.get('xl/workbook.xml')?.toString('utf8') ?? '';
    check(book.includes('name="检查台账"'), 'the workbook sheet is not named 检查台账');
    log(`     ledgers: ${csv.suggestedFilename()} (${data.length} rows), ${xlsx.suggestedFilename()} (${zip.size} parts)`);
    await banners();
    await shot('cases-ledgers');
  });

  await step('tasks page; a complaint task through the form (the two-officer rule first)', async () => {
    await page.goto(`${base}#/tasks`);
    await page.getByTestId('tasks-table').or(page.getByTestId('tasks-empty')).waitFor();
    await banners();
    await shot('tasks');
    await page.getByTestId('task-new').click();
    await page.getByTestId('task-form').waitFor();
    await page.locator('select[name="kind"]').selectOption('complaint');
    await page.locator('input[name="source_ref"]').fill(`12369-2026-${stamp}`);
    await page.locator('textarea[name="note"]').fill('群众反映夜间有刺鼻气味，疑似废气未经处理直排');
    await page.getByTestId('enterprise-search').fill('示范电镀');
    await page.getByTestId('enterprise-results').locator('button').first().click();
    await page.getByTestId('enterprise-chosen').waitFor();
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
    check(picked, 'no team with two officers');
    await page.locator('input[name="due"]').fill(tomorrow);
    await page.getByTestId('task-submit').click();
    await page.getByTestId('task-problems').getByText('现场检查须由至少两名执法人员进行').waitFor();
    await shot('task-new-rule', true);
    await page.locator('[data-testid="task-officers"] label:not(:has(.tag)) input').nth(1).check();
    await page.getByTestId('task-submit').click();
    await page.waitForFunction(() => location.hash.startsWith('#/tasks?created='));
    result.task_created = decodeURIComponent(/created=([^&]+)/.exec(await hash())[1]);
    await page.getByTestId('tasks-table').waitFor();
    const row = page.locator(`[data-task="${result.task_created}"]`);
    await row.waitFor();
    await row.getByText(`12369-2026-${stamp}`).waitFor();
    await page.getByText(`任务 ${result.task_created} 已派发`).waitFor();
    await banners();
    await shot('tasks-created');
  });

  await step('nearest officers for the new task', async () => {
    await page.locator(`[data-task="${result.task_created}"] button[data-action="nearest"]`).click();
    const panel = page.getByTestId('nearest-panel');
    await panel.getByTestId('nearest-table').or(panel.getByTestId('nearest-empty')).waitFor();
    await panel.getByTestId('nearest-radius').selectOption('10000');
    await panel.getByTestId('nearest-table').or(panel.getByTestId('nearest-empty')).waitFor();
    await banners();
    await shot('tasks-nearest', true);
  });

  await step('enterprise register, searched', async () => {
    await page.goto(`${base}#/enterprises`);
    await page.getByTestId('enterprises-table').waitFor();
    await banners();
    await shot('enterprises');
    await page.locator('input[name="q"]').fill('印染');
    await page.locator('input[name="q"]').press('Enter');
    await page.waitForFunction(() => location.hash.includes('q='));
    await page.getByTestId('enterprises-table').or(page.getByTestId('enterprises-empty')).waitFor();
    await banners();
    await shot('enterprises-searched');
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
    check(items >= 2, `the refusal lists ${items} problem(s), expected one per bad row`);
    await banners(['request.bad']);
    await shot('enterprises-import-refused');
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
  await step('one enterprise file (一企一档)', async () => {
    await page.goto(`${base}#/enterprises?q=${encodeURIComponent('示范电镀')}`);
    await page.getByTestId('enterprises-table').waitFor();
    await page.getByTestId('enterprises-table').locator('tbody tr').first().click();
    await page.getByTestId('enterprise-header').waitFor();
    enterpriseId = decodeURIComponent((await hash()).split('/')[2] ?? '');
    // Its file lists the synced case and the task just made.
    await page.getByTestId('enterprise-history').locator(`a[href$="${encodeURIComponent(result.case_id)}"]`).waitFor();
    await page.getByTestId('enterprise-open-tasks').getByText(result.task_created).waitFor();
    await banners();
    await shot('enterprise-file', true);
  });

  await step('dispatch from the file, then reassign to another team and cancel', async () => {
    await page.getByTestId('enterprise-dispatch').click();
    await page.getByTestId('task-form').waitFor();
    await page.locator(`[data-testid="enterprise-chosen"][data-id="${enterpriseId}"]`).waitFor();
    await page.locator('input[name="source_ref"]').fill(`12369-2026-${stamp}-2`);
    await page.locator('textarea[name="note"]').fill('同一企业的第二次投诉：雨水排口有异色水');
    const teams = await page.getByTestId('task-team').locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    let picked = false;
    for (const team of teams) {
      await page.getByTestId('task-team').selectOption(team);
      const officers = page.locator('[data-testid="task-officers"] label:not(:has(.tag)) input');
      if ((await officers.count()) >= 2) {
        await officers.nth(0).check();
        await officers.nth(1).check();
        picked = true;
        break;
      }
    }
    check(picked, 'no team with two officers');
    await page.locator('input[name="due"]').fill(tomorrow);
    await page.getByTestId('task-submit').click();
    await page.waitForFunction(() => location.hash.startsWith('#/tasks?created='));
    const taskId = decodeURIComponent(/created=([^&]+)/.exec(await hash())[1]);
    const row = page.locator(`[data-task="${taskId}"]`);
    await row.waitFor();
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
        await shot('tasks-reassign-rule', true);
        await boxes.nth(1).check();
        target = team;
        break;
      }
    }
    check(target, 'no other team with two officers offered');
    await change.locator('button[type="submit"]').click();
    await page.getByText(`任务 ${taskId} 已改派给 ${target}。`).waitFor();
    await banners();
    await shot('tasks-reassigned');
    await page.locator(`[data-task="${taskId}"] button[data-action="cancel"]`).click();
    await page.getByTestId('task-change').locator('button[type="submit"]').click();
    await page.getByText(`任务 ${taskId} 已取消。`).waitFor();
    await page.locator(`[data-task="${taskId}"] [data-state="cancelled"]`).waitFor();
    await banners();
  });

  await step('alerts', async () => {
    await page.goto(`${base}#/alerts`);
    await page.getByRole('heading', { name: '预警' }).waitFor();
    await page.getByTestId('alerts-table').or(page.getByText('暂无预警。')).waitFor();
    await banners();
    await shot('alerts');
  });

  /** The session the page keeps, as stored. */
  const session = () => page.evaluate(() => JSON.parse(localStorage.getItem('fieldcase.center.session') ?? '{}'));
  /** The cases page loaded afresh, as when the user reloads: it must stay signed in, renewing its
   *  token if it has to. */
  async function reloadSignedIn() {
    await page.goto(`${base}#/cases`);
    await page.reload();
    await page.getByTestId('cases-table').waitFor();
    check(!(await page.evaluate(() => location.hash)).startsWith('#/signin'), 'sent to sign in instead of renewing');
  }

  await step("a revoked token is renewed with the browser's key, and the page goes on", async () => {
    const before = await session();
    check(typeof before.device_id === 'string' && before.device_id.length > 0, `the session names no device: ${JSON.stringify(before)}`);
    // Revoked elsewhere (signed out in another tab, or an admin after a leak): refused from now on.
    const revoked = await fetch(new URL('/v1/token/revoke', base), {
      method: 'POST',
      headers: { 'fieldcase-protocol': '1', authorization: `Bearer ${before.token}` },
    });
    check(revoked.ok, `revoking the page's token: ${revoked.status}`);
    expectedConsole = [/status of 401/];
    await reloadSignedIn();
    await banners();
    const after = await session();
    check(after.token && after.token !== before.token, 'the page kept the revoked token');
    check(after.device_id === before.device_id, 'the renewed session names another device');
    const works = await fetch(new URL('/v1/cases', base), {
      headers: { 'fieldcase-protocol': '1', authorization: `Bearer ${after.token}` },
    });
    check(works.ok, `the renewed token is refused: ${works.status}`);
    expectedConsole = [];
  });

  await step('a token the center does not know is renewed with the key; without the key, back to sign in', async () => {
    const spoil = (change) =>
      page.evaluate((change) => {
        const s = JSON.parse(localStorage.getItem('fieldcase.center.session') ?? '{}');
        localStorage.setItem('fieldcase.center.session', JSON.stringify({ ...s, ...change }));
      }, change);
    expectedConsole = [/status of 401/];
    // As after a renewal whose answer was lost to a reload: the page's token is unknown at the
    // center, and the browser's key gets it a new one.
    await spoil({ token: 'not-a-token' });
    await reloadSignedIn();
    await banners();
    const renewed = await session();
    check(renewed.token && renewed.token !== 'not-a-token', `the page kept the unknown token: ${renewed.token}`);
    const saved = JSON.stringify(renewed);
    // A session this browser holds no key for (its storage cleared): nothing can renew it.
    await spoil({ token: 'not-a-token', device_id: 'D-NOT-THIS-BROWSER' });
    await page.goto(`${base}#/cases`);
    await page.reload();
    await page.waitForFunction(() => location.hash.startsWith('#/signin'));
    await page.getByText('登录已失效，请重新登记。').waitFor();
    await banners(['auth.missing']);
    await shot('session-expired');
    // Back to the real session for the last step.
    await page.evaluate((s) => localStorage.setItem('fieldcase.center.session', s ?? ''), saved);
    await reloadSignedIn();
    expectedConsole = [];
  });

  await step('sign out', async () => {
    const session = await page.evaluate(() => localStorage.getItem('fieldcase.center.session'));
    const token = JSON.parse(session ?? '{}').token;
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/signin'));
    await page.getByText('您已退出登录。').waitFor();
    await shot('signed-out');
    // Signing out revoked the token at the center: a copy of it no longer works.
    const res = await fetch(new URL('/v1/cases', base), {
      headers: { 'fieldcase-protocol': '1', authorization: `Bearer ${token}` },
    });
    const body = await res.json().catch(() => ({}));
    check(
      res.status === 401 && body.code === 'token.revoked',
      `the signed-out token still works or is refused otherwise: ${res.status} ${JSON.stringify(body)}`,
    );
  });
} catch {
  // Reported by step(); fall through to the summary.
}

await browser.close();
if (problems.length) {
  log(`\n${problems.length} problem(s):\n${problems.join('\n')}`);
  process.exit(1);
}
log(`all ${stepNo} steps passed; ${shotNo} screenshots in ${outDir}`);
console.log(JSON.stringify(result));
