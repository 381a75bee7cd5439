// The field app's end-to-end test, run by tests/tests/field_app_e2e.rs: the real Tauri app
// (target/debug/fieldcase-app, its WebKitGTK WebView driven through tauri-driver and
// WebKitWebDriver) does the whole demo inspection of the electroplating plant as 张伟 would, by
// the screen's own controls: first run (center address, one-time code, PIN twice), PIN sign-in,
// the inbox, then every step of demo/electroplating/scenario.json — read from that file, so the
// data entered is the demo's — through the step screens, saving a screenshot after each step.
//
// How the scenario's steps are entered:
//   check_in          a typed-in (manual) fix at the plant, the preview, then 签到
//   show_credential   the member's record button (the first one also opens the full-screen card)
//   record_party      the party form; give_notice the notice's answers
//   capture_evidence  the evidence step's import: the file is set on the picker's hidden
//                     <input type=file> (WebKitWebDriver sets files on a file input; the OS
//                     picker itself is not driven), then kind, method, what it proves, the item
//   answer            the row's tri / choice / document buttons, numbers on the number pad; the
//                     finding text and the evidence checkboxes opened on the row first
//   take_sample / hand_over, start_interview / record_qa / end_interview: their forms
//   draft_transcript  the draft form (a second on-site draft through 重新起草)
//   sign              the signer's slot: a signature drawn on the canvas with pointer actions;
//                     for an officer, the offline PIN on the pad after it (a wrong one first, once)
//   lock_transcript, order_measure, depart, close_case: their buttons
// A step the scenario expects to be refused (expect_refusal) is done the same way and must show
// the refusal banner with that code beside the button; any other refusal banner fails the run.
// Besides: the credential card and the previews of both locked transcripts (every page).
//
// Progress goes to stderr; on success stdout gets ONE JSON line:
//   {"case_id", "rss_kb" (VmRSS of the app after the inspection), "rss_tree_kb", "pss_tree_kb",
//   "anon_tree_kb" (with WebKit's web and network processes under it; see rss.mjs), "rss_parts",
//   "steps", "seconds"}
//
//   URL        the center, e.g. http://127.0.0.1:41234 (required)
//   CODE       a fresh enrollment code of U-ZHANG (officer O-ZHANG) (required)
//   TASK       the task to inspect (default T-2026-1123-01)
//   PORT       tauri-driver's port (default 4444)
//   APP        the app binary (default target/debug/fieldcase-app)
//   APP_DATA   the app's FIELDCASE_APP_DATA, to tell its process from others (optional)
//   SHOTS      where the PNGs go (default /tmp/app-shots)
//   VIEWPORT   the window's inner size as WIDTHxHEIGHT, e.g. 360x800 for a phone in portrait
//              (default: the app's own 1280×800 window)
//   SAMPLE_AFTER  a file: the memory is sampled only once it is gone (another walk beside this one)
//   MEM_SAMPLES   a file for the memory after each step (JSON lines), to see which step grows it
import { treeRss } from './rss.mjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { remote } from 'webdriverio';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = join(root, 'demo/electroplating');
const url = process.env.URL;
const code = process.env.CODE;
const task = process.env.TASK ?? 'T-2026-1123-01';
const port = Number(process.env.PORT ?? 4444);
const appPath = resolve(process.env.APP ?? join(root, 'target/debug/fieldcase-app'));
const appData = process.env.APP_DATA ?? null;
const shots = process.env.SHOTS ?? '/tmp/app-shots';
const PIN = '240917';
if (!url || !code) {
  console.error('set URL (the center) and CODE (an enrollment code)');
  process.exit(2);
}
if (!existsSync(appPath)) {
  console.error(`no app at ${appPath} (cargo build -p fieldcase-app)`);
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const scenario = JSON.parse(readFileSync(join(demo, 'scenario.json'), 'utf8'));
const log = (...a) => console.error(...a);
const started = Date.now();

const b = await remote({
  hostname: '127.0.0.1',
  port,
  logLevel: 'error',
  connectionRetryTimeout: 60_000,
  capabilities: { 'tauri:options': { application: appPath } },
});
await b.setTimeout({ implicit: 0 });
if (process.env.VIEWPORT) {
  // Size the window so the page itself gets the phone's width (the frame adds to the outer size),
  // and refuse to go on if the WebView did not take it: the walk would prove nothing about phones.
  const [w, h] = process.env.VIEWPORT.split('x').map(Number);
  await b.setWindowSize(w, h);
  const inner = await b.execute(() => [window.innerWidth, window.innerHeight]);
  await b.setWindowSize(w + (w - inner[0]), h + (h - inner[1]));
  const got = await b.execute(() => [window.innerWidth, window.innerHeight]);
  if (got[0] !== w) {
    console.error(`VIEWPORT ${w}x${h} asked, the page is ${got[0]}x${got[1]}`);
    process.exit(1);
  }
  console.error(`viewport ${got[0]}x${got[1]}`);
}

// ---- helpers ----------------------------------------------------------------------------------

const sel = (id) => `[data-testid="${id}"]`;
const $t = (id) => b.$(sel(id));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Refusal banners on screen now: code, text and the nearest labelled place they sit in. */
function banners() {
  return b.execute(() =>
    [...document.querySelectorAll('[data-testid="error-banner"]')]
      .filter((e) => e.getClientRects().length > 0)
      .map((e) => ({
        code: e.dataset.code,
        text: e.textContent.replace(/\s+/g, ' ').trim(),
        where: e.parentElement?.closest('[data-testid]')?.dataset.testid ?? '',
      })),
  );
}

class Refused extends Error {}

/** Refusals a step expected ("code|place"), tolerated for as long as they stay on screen. */
const expected = new Set();

/** Fails when a refusal banner shows that no step expected. */
async function noBanner() {
  const shown = await banners();
  const keys = new Set(shown.map((s) => `${s.code}|${s.where}`));
  for (const k of expected) if (!keys.has(k)) expected.delete(k);
  const unexpected = shown.filter((s) => !expected.has(`${s.code}|${s.where}`));
  if (unexpected.length) {
    throw new Refused(`refusal shown: ${unexpected.map((s) => `[${s.code}] ${s.text} (in ${s.where})`).join('; ')}`);
  }
}

/** Whether `err` is WebKit's word for an element drawn anew since it was found. */
function stale(err) {
  return /stale element|was not found when running/i.test(String(err?.message ?? err));
}

/** Polls `cond` (an async predicate) until true; a refusal banner meanwhile fails at once. An
 *  element that went stale while polled (the screen is drawn anew after each sync) counts as
 *  "not yet": the next poll finds it afresh. */
async function until(what, cond, { timeout = 20_000, banner = true } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      if (!stale(err)) throw err;
    }
    if (banner) await noBanner();
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function exists(id) {
  return (await $t(id)).isExisting();
}

/** The element with test id `id` once it is there; a refusal shown meanwhile fails at once. */
async function el(id, timeout = 15_000) {
  await until(sel(id), () => exists(id), { timeout });
  return $t(id);
}

/** Presses a control as a finger would: brought to the middle of the screen, then clicked. */
async function press(id) {
  const e = await el(id);
  await center(e);
  await e.waitForEnabled({ timeout: 15_000, timeoutMsg: `${sel(id)} stays disabled` });
  try {
    await e.click();
  } catch (err) {
    const where = await b.execute((x) => {
      const r = x.getBoundingClientRect();
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return { rect: [r.x, r.y, r.width, r.height], scrollY, top: top?.outerHTML.slice(0, 200) };
    }, e);
    throw new Error(`pressing ${sel(id)}: ${err.message} ${JSON.stringify(where)}`);
  }
}

/** Types into a field (replacing what it held) and checks the field holds it. */
async function type(id, text) {
  const e = await el(id);
  await center(e);
  if (text) await e.setValue(text);
  else await e.clearValue();
  const got = await e.getValue();
  if (got !== text) throw new Error(`${sel(id)} holds ${JSON.stringify(got)}, not ${JSON.stringify(text)}`);
}

async function choose(id, value) {
  const e = await el(id);
  await center(e);
  await e.selectByAttribute('value', value);
  const got = await e.getValue();
  if (got !== value) throw new Error(`${sel(id)} shows ${JSON.stringify(got)}, not ${JSON.stringify(value)}`);
}

/** Ticks (or unticks) a checkbox or radio to `on`. */
async function tick(id, on = true) {
  const e = await el(id);
  if ((await e.isSelected()) !== on) {
    await center(e);
    await e.click();
  }
  if ((await e.isSelected()) !== on) throw new Error(`${sel(id)} did not become ${on ? 'ticked' : 'unticked'}`);
}

/** An attribute of the element with test id `id`; null when there is no such element (now). */
function attr(id, name) {
  return b.execute((c, n) => document.querySelector(c)?.getAttribute(n) ?? null, sel(id), name);
}

/** Brings an element to the middle of the window (WebDriver's own scrolling would leave it under
 *  the sticky top bar). */
function center(e, block = 'center') {
  return b.execute(
    (x, how) => {
      x.scrollIntoView({ block: how, inline: 'nearest' });
      if (how === 'start') scrollBy(0, -(document.querySelector('[data-testid="top-bar"]')?.offsetHeight ?? 0));
    },
    e,
    block,
  );
}

/** Waits for the next painted frame, so a screenshot shows what the DOM holds now. */
function painted() {
  return b.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

let shotNo = 0;
async function shot(name) {
  await painted();
  shotNo++;
  const file = join(shots, `${String(shotNo).padStart(3, '0')}-${name}.png`);
  writeFileSync(file, Buffer.from(await b.takeScreenshot(), 'base64'));
  return file;
}

/** A transcript page as the preview draws it: the image it shows (its own PNG), whole. */
async function pageShot(img, name) {
  shotNo++;
  const file = join(shots, `${String(shotNo).padStart(3, '0')}-${name}.png`);
  const src = await img.getAttribute('src');
  if (!src?.startsWith('data:image/png;base64,')) throw new Error(`page ${name} is not a PNG: ${src?.slice(0, 40)}`);
  writeFileSync(file, Buffer.from(src.slice('data:image/png;base64,'.length), 'base64'));
  return file;
}

/** With MEM_SAMPLES=<file>: the memory after each step, one JSON line per step (kB: the tree's
 *  PSS and own memory; per process [name, PSS, own, RSS]; the DOM's element count) — to find the
 *  step that makes it grow. */
const samples = [];
async function sample(label) {
  if (!process.env.MEM_SAMPLES) return;
  let pid;
  try {
    pid = appPid();
  } catch {
    return; // before the app's process is found (or after it ended)
  }
  const tr = treeRss(pid);
  const nodes = await b.execute(() => document.getElementsByTagName('*').length).catch(() => null);
  samples.push({ step: label, pss: tr.pss_kb, anon: tr.anon_kb, nodes, parts: tr.parts.map((p) => [p.cmd, p.pss_kb, p.anon_kb, p.kb]) });
  writeFileSync(process.env.MEM_SAMPLES, samples.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

let stepNo = 0;
/** One step: run, check no refusal is on screen, screenshot. A failure is reported with its own screenshot. */
async function step(name, fn) {
  stepNo++;
  const label = `${String(stepNo).padStart(3, '0')} ${name}`;
  const t0 = Date.now();
  try {
    await fn();
    await noBanner();
    await shot(name);
    log(`ok   ${label} (${Date.now() - t0} ms)`);
    await sample(label);
  } catch (e) {
    const file = await shot(`FAILED-${name}`).catch(() => '(no screenshot)');
    log(`FAIL ${label}: ${e?.message ?? e}\n     screenshot ${file}`);
    throw e;
  }
}

/** Presses `button` and waits for a refusal with `code` in the area `within` (a test id). */
async function expectRefusal(button, code, within) {
  await press(button);
  await until(`refusal ${code}`, async () => (await banners()).some((s) => s.code === code), { banner: false });
  // Shown where the officer looks: the banner in view for the screenshot.
  await center(await b.$(`[data-testid="error-banner"][data-code="${code}"]`));
  const shown = await banners();
  const hit = shown.find((s) => s.code === code);
  const others = shown.filter((s) => s.code !== code && !expected.has(`${s.code}|${s.where}`));
  if (others.length) throw new Refused(`other refusals shown: ${JSON.stringify(others)}`);
  if (within && hit.where !== within && !(await b.execute((w, c) => !!document.querySelector(`[data-testid="${w}"] [data-testid="error-banner"][data-code="${c}"]`), within, code))) {
    throw new Error(`refusal ${code} shown in ${hit.where}, not beside the button (in ${within})`);
  }
  expected.add(`${hit.code}|${hit.where}`);
  log(`     refused as expected: [${hit.code}] ${hit.text}`);
}

/** Dismisses the refusal banners that can be dismissed (a step's feedback). */
async function dismissBanners() {
  for (const e of await b.$$('[data-testid="error-banner"] button')) {
    if (!(await e.isDisplayed())) continue;
    await center(e);
    await e.click();
  }
}

/** Opens a step of the case through the step bar. */
async function openStep(id) {
  await press(`step-${id}`);
  await until(`step ${id} on screen`, async () => (await attr('step-screen', 'data-step')) === id);
}

/** Draws a signature on a pad's canvas: each stroke a pointer press, moves and release. */
async function draw(canvasId, strokes) {
  const canvas = await el(canvasId);
  await center(canvas);
  const { width, height } = await canvas.getSize();
  // The scenario's strokes are small (about 110 × 40 px): drawn three times larger on the pad.
  const at = ([x, y]) => ({
    origin: canvas,
    x: Math.round(Math.min(width - 4, 20 + 3 * x) - width / 2),
    y: Math.round(Math.min(height - 4, 10 + 3 * y) - height / 2),
  });
  for (const stroke of strokes) {
    let a = b.action('pointer', { parameters: { pointerType: 'mouse' } }).move({ ...at(stroke[0]), duration: 0 }).down();
    for (const p of stroke.slice(1)) a = a.move({ ...at(p), duration: 120 });
    await a.up().perform();
  }
  await b.releaseActions();
}

/** The test ids of elements matching a CSS selector, in document order. */
function testIds(css) {
  return b.execute((c) => [...document.querySelectorAll(c)].map((e) => e.dataset.testid), css);
}

/** The app's process: the one running our binary with our data folder. */
function appPid() {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const hits = [];
  for (const pid of pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (resolve(cmd[0]) !== appPath) continue;
      if (appData && !readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`FIELDCASE_APP_DATA=${appData}`)) continue;
      hits.push(Number(pid));
    } catch {
      // A process that ended while being read.
    }
  }
  if (hits.length !== 1) throw new Error(`found ${hits.length} app processes (${appPath}, data ${appData})`);
  return hits[0];
}

// ---- the scenario's steps through the screens ---------------------------------------------------

let caseId = null;
const vars = {};
/** Evidence ids by file name (the scenario names photos by path). */
const evidenceByPath = {};
const sub = (v) => (typeof v === 'string' && v.startsWith('$') ? vars[v.slice(1)] : v);
const rowKey = (s) => (s.instance ? `${s.item_id}-${s.instance}` : s.item_id);
let credentialCardShown = false;
let transcriptsPreviewed = false;

async function checkIn(s) {
  await openStep('checkin');
  await type('checkin-lat', String(s.fix.lat));
  await type('checkin-lon', String(s.fix.lon));
  await type('checkin-accuracy', String(s.fix.accuracy_m));
  await press('checkin-manual');
  await el('checkin-preview');
  if ((await attr('checkin-verdict', 'data-inside')) !== 'true') throw new Error('the plant is outside the fence?');
  await shot('checkin-preview');
  await press('checkin-commit');
  await el('checkin-recorded');
}

async function showCredential(s) {
  if (!(await exists('credentials'))) await openStep('credentials');
  if (!credentialCardShown) {
    await press(`credential-show-${s.officer_id}`);
    await el('credential-overlay');
    await el('credential-qr');
    await shot(`credential-card-${s.officer_id}`);
    await press('credential-close');
    await until('the card to close', async () => !(await exists('credential-overlay')));
    credentialCardShown = true;
  }
  await press(`credential-record-${s.officer_id}`);
  await until(`${s.officer_id} shown`, async () => (await attr(`officer-${s.officer_id}`, 'data-shown')) === 'true');
}

async function recordParty(s) {
  await openStep('notice');
  const p = s.person;
  await type('party-name', p.name);
  await choose('party-sex', p.sex);
  await choose('party-id-type', p.id_type);
  await type('party-id-number', p.id_number);
  await choose('party-relation', p.relation);
  await type('party-title', p.title);
  await type('party-phone', p.phone);
  await press('party-save');
  await el('party-recorded');
}

async function giveNotice(s) {
  if (!(await exists('notice'))) await openStep('notice');
  await tick('notice-seen', s.credentials_seen);
  await tick(s.recusal_requested ? 'notice-recusal-yes' : 'notice-recusal-no');
  await press('notice-commit');
  await el('notice-recorded');
}

async function capture(s) {
  if (!(await exists('evidence-step'))) await openStep('evidence');
  const before = (await testIds('[data-testid^="evidence-item-"]')).length;
  await press('evidence-import');
  // The picker's result: the file set on its input, as the WebView hands a chosen file.
  const input = await el('evidence-file-input');
  await input.addValue(join(demo, s.path));
  await el('evidence-form');
  if ((await (await el('evidence-kind')).getValue()) !== s.kind) await choose('evidence-kind', s.kind);
  // 拍照 is the method the record stores (the catalogue's zh word of `photo`).
  await choose('evidence-method', { 拍照: 'photo', 录像: 'video', 录音: 'audio' }[s.method] ?? 'photo');
  await type('evidence-proves-input', s.proves);
  if (s.item_id) await choose('evidence-item', s.item_id);
  await shot(`evidence-form-${s.path.replace(/\..*/, '')}`);
  await press('evidence-save');
  await until('the photo in the gallery', async () => (await testIds('[data-testid^="evidence-item-"]')).length === before + 1);
  // The gallery lists the newest first.
  const id = (await testIds('[data-testid^="evidence-item-"]'))[0].replace('evidence-item-', '');
  const proves = await (await b.$(`${sel(`evidence-item-${id}`)} ${sel('evidence-proves')}`)).getText();
  if (proves !== s.proves) throw new Error(`newest evidence ${id} proves ${proves}`);
  evidenceByPath[s.path] = id;
  return id;
}

async function answer(s, expectCode = null) {
  if (!(await exists('checklist-summary'))) await openStep('checklist');
  const key = rowKey(s);
  if (!(await exists(`item-${key}`))) {
    // Its section is folded: unfold the folded ones.
    for (const t of await testIds('[data-testid^="section-toggle-"][aria-expanded="false"]')) await press(t);
  }
  const item = await el(`item-${key}`);
  await center(item);
  if (s.finding_text) {
    if (await exists(`finding-toggle-${key}`)) await press(`finding-toggle-${key}`);
    await type(`finding-${key}`, s.finding_text);
  }
  for (const ev of s.evidence ?? []) {
    if (await exists(`evidence-toggle-${key}`)) await press(`evidence-toggle-${key}`);
    await tick(`evidence-${key}-${ev}`);
  }
  const v = s.value;
  let button;
  if (typeof v === 'number') {
    await press(`num-key-${key}-clear`);
    for (const ch of String(v)) await press(`num-key-${key}-${ch === '.' ? 'dot' : ch}`);
    const shown = await (await el(`num-input-${key}`)).getValue();
    if (shown !== String(v)) throw new Error(`the pad shows ${shown}, not ${v}`);
    button = `num-ok-${key}`;
  } else if (v && typeof v === 'object') {
    await type(`input-${key}`, v.number ?? '');
    button = `answer-${key}-${v.present ? 'present' : 'absent'}`;
  } else {
    button = `answer-${key}-${String(v).replace(/\s+/g, '_')}`;
  }
  if (expectCode) {
    await expectRefusal(button, expectCode, `item-${key}`);
    return;
  }
  await press(button);
  const answered = async () => {
    if ((await attr(`item-${key}`, 'data-answered')) !== 'true') return false;
    return typeof v === 'number' || (await attr(button, 'aria-pressed')) === 'true';
  };
  // The last answer of a section folds it: then unfold it to see the answer.
  await until(`${key} answered`, async () => !(await exists(`item-${key}`)) || (await answered()));
  if (!(await exists(`item-${key}`))) {
    for (const t of await testIds('[data-testid^="section-toggle-"][aria-expanded="false"]')) await press(t);
    await until(`${key} answered`, answered);
  }
  if (s.evidence?.length) {
    const text = await (await el(`answer-current-${key}`)).getText();
    if (!text.includes(String(s.evidence.length))) throw new Error(`${key}: evidence not recorded (${text})`);
  }
  if (s.finding_text) await el(`finding-line-${key}`);
  await center(await $t(`item-${key}`));
}

async function takeSample(s) {
  await openStep('sampling');
  await type('sample-id', s.sample_id);
  await type('sample-point', s.point);
  await choose('sample-point-type', s.point_type);
  for (const p of s.parameters) {
    await type('sample-parameter', p);
    await press('sample-parameter-add');
  }
  const chips = await b.$$(sel('sample-parameter-chip'));
  if (chips.length !== s.parameters.length) throw new Error(`${chips.length} parameters listed`);
  await type('sample-container', s.container);
  await type('sample-preservative', s.preservative);
  await type('sample-seal', s.seal_no);
  for (const m of await testIds('[data-testid^="sample-collector-"]')) {
    await tick(m, s.collected_by.includes(m.replace('sample-collector-', '')));
  }
  await tick('sample-label-on', s.label_printed);
  await tick('sample-party-present');
  await type('sample-party-witness', s.party_witness);
  await shot('sample-form');
  await press('sample-save');
  await center(await el(`sample-${s.sample_id}`));
}

async function handOver(s) {
  if (!(await exists('sampling-step'))) await openStep('sampling');
  const hops = (await b.$$(`${sel(`sample-${s.sample_id}`)} ${sel('custody-hop')}`)).length;
  await press(`handover-open-${s.sample_id}`);
  await type('handover-to', s.to);
  await tick('handover-seal-intact', s.seal_intact);
  await press('handover-save');
  await until('the hand-over in the chain', async () => (await b.$$(`${sel(`sample-${s.sample_id}`)} ${sel('custody-hop')}`)).length === hops + 1);
  await center(await b.$(`${sel(`sample-${s.sample_id}`)} ${sel('sample-custody')}`));
}

async function startInterview(s) {
  await openStep('interview');
  await press('interview-copy-party');
  const name = await (await el('interviewee-name')).getValue();
  if (name !== s.interviewee.name) throw new Error(`copied the party as ${name}`);
  await type('interview-place', s.place);
  for (const m of await testIds('[data-testid^="interviewer-"]')) {
    await tick(m, s.interviewers.includes(m.replace('interviewer-', '')));
  }
  await choose('interview-recorder', s.recorder);
  await press('interview-start-save');
  await until('the interview', async () => (await testIds('article[data-testid^="interview-"][data-running="true"]')).length === 1);
  return (await testIds('article[data-testid^="interview-"][data-running="true"]'))[0].replace('interview-', '');
}

async function recordQa(s) {
  const card = sel(`interview-${sub(s.interview_id)}`);
  const before = (await b.$$(`${card} ${sel('qa-row')}`)).length;
  await type('qa-q', s.q);
  await type('qa-a', s.a);
  await press('qa-save');
  await until('the question in the record', async () => (await b.$$(`${card} ${sel('qa-row')}`)).length === before + 1);
  await center(await b.$(`${card} ${sel('interview-qa')}`));
}

async function endInterview(s) {
  const id = sub(s.interview_id);
  await type('interview-closing-input', s.closing_statement);
  await press('interview-end');
  await until('the interview to end', async () => (await attr(`interview-${id}`, 'data-running')) === 'false');
  await center(await el('interview-closing'));
}

const transcriptIds = () => testIds('article.transcript[data-testid^="transcript-"]');

async function draftTranscript(s, expectCode = null) {
  if (!(await exists('transcript-step'))) await openStep('transcript');
  const before = await transcriptIds();
  const existing = s.kind === 'onsite' ? before.find((t) => t === `transcript-${vars.tr}`) : null;
  if (existing && !expectCode && (await exists(`transcript-redraft-${vars.tr}`))) {
    // A new version of the on-site record: 重新起草 fills the form from the latest version.
    await press(`transcript-redraft-${vars.tr}`);
  }
  await tick(`transcript-kind-${s.kind}`);
  if (s.kind === 'inquiry') await choose('transcript-interview', sub(s.interview_id));
  await type('transcript-narrative', s.narrative ?? '');
  await type('transcript-opinion', s.party_opinion ?? '');
  if (expectCode) {
    await expectRefusal('transcript-draft', expectCode, 'transcript-draft-feedback');
    return null;
  }
  const versions = async (tid) => (await testIds(`${sel(`transcript-${tid}`)} [data-testid^="transcript-version-"]`)).length;
  const had = existing ? await versions(vars.tr) : 0;
  await press('transcript-draft');
  if (existing) {
    await until('the new version', async () => (await versions(vars.tr)) === had + 1);
    await center(await el(`transcript-${vars.tr}`), 'start');
    return vars.tr;
  }
  await until('the new transcript', async () => (await transcriptIds()).length === before.length + 1);
  const id = (await transcriptIds()).find((t) => !before.includes(t)).replace('transcript-', '');
  await center(await el(`transcript-${id}`), 'start');
  return id;
}

/** Whether a wrong PIN was tried at an officer's signature yet (once per run). */
let wrongPinTried = false;

async function sign(s) {
  if (!(await exists('signatures-step'))) await openStep('signature');
  const tid = sub(s.transcript_id);
  const who = s.role === 'officer' ? s.signer_id : s.role;
  const slot = `signer-${tid}-${who}`;
  await el(slot);
  await press(`sign-open-${tid}-${who}`);
  if (s.role !== 'officer') {
    const name = await (await el(`sign-name-${tid}-${who}`)).getValue();
    if (name !== s.name) await type(`sign-name-${tid}-${who}`, s.name);
  }
  await draw(`pad-${tid}-${who}-canvas`, s.strokes);
  await shot(`signature-${who}-drawn`);
  await press(`pad-${tid}-${who}-confirm`);
  if (s.role === 'officer') {
    // An officer's signature is sent only with the offline PIN re-entered (the signed-in
    // officer's, vouching for a partner without one on this device). The first one is tried
    // with a wrong PIN: refused beside the pad, the drawing kept.
    await el(`sign-pin-${tid}-${who}`);
    if (!wrongPinTried) {
      wrongPinTried = true;
      const wrong = '111222';
      for (const d of wrong.slice(0, -1)) await press(`pin-key-${d}`);
      await expectRefusal(`pin-key-${wrong.at(-1)}`, 'auth.pin_wrong', `sign-feedback-${tid}-${who}`);
      await shot(`signature-${who}-wrong-pin`);
    }
    await shot(`signature-${who}-pin`);
    for (const d of PIN) await press(`pin-key-${d}`);
  }
  // The last signature locks the version: the slots give way to the list of who signed.
  await until(`${who}'s signature`, async () => (await attr(slot, 'data-signed')) === 'true' || (await exists(`signed-list-${tid}`)));
  if (await exists(`signed-list-${tid}`)) {
    const list = await (await el(`signed-list-${tid}`)).getText();
    if (!list.includes(s.name)) throw new Error(`${s.name} is not among the signers: ${list}`);
    log(`     ${tid} locked`);
    await center(await el(`signed-list-${tid}`));
  } else {
    await center(await el(slot));
  }
}

async function lockTranscript(s, expectCode) {
  if (!(await exists('signatures-step'))) await openStep('signature');
  const tid = sub(s.transcript_id);
  if (expectCode) {
    await expectRefusal(`lock-${tid}`, expectCode, `lock-feedback-${tid}`);
    return;
  }
  await press(`lock-${tid}`);
  await el(`signed-list-${tid}`);
}

async function orderMeasure(s) {
  await openStep('close');
  await press('measures-tab-measure');
  await choose('measure-kind', { 责令改正: 'correction', 先行登记保存: 'preservation', 查封: 'seal_up', 扣押: 'seizure' }[s.kind]);
  await type('measure-description', s.description);
  await press('measure-save');
  await center(await el('measure-row'));
}

/** Both locked transcripts previewed page by page (the pages the PDF prints). */
async function previewTranscripts() {
  await openStep('transcript');
  for (const tid of [vars.tq, vars.tr]) {
    const versions = await testIds(`${sel(`transcript-${tid}`)} [data-testid^="transcript-version-"]`);
    const v = Math.max(...versions.map((x) => Number(x.replace('transcript-version-', ''))));
    await step(`preview-${tid === vars.tq ? 'inquiry' : 'onsite'}-v${v}`, async () => {
      // Each page is looked up afresh by its place rather than held: an element kept across
      // waits goes stale if anything draws the card again.
      const pagesSel = `${sel(`transcript-${tid}`)} ${sel('transcript-page')}`;
      await press(`transcript-preview-${tid}-${v}`);
      await until('the preview pages', async () => (await b.$$(pagesSel)).length > 0, { timeout: 60_000 });
      const count = (await b.$$(pagesSel)).length;
      const page = async (i) => (await b.$$(pagesSel))[i];
      for (let i = 0; i < count; i++) {
        await center(await page(i), 'start');
        await until('the page image', async () => b.execute((e) => e.complete && e.naturalWidth > 0, await page(i)));
        const name = `preview-${tid === vars.tq ? 'inquiry' : 'onsite'}-page-${i + 1}`;
        await shot(name);
        await pageShot(await page(i), `${name}-image`);
      }
      log(`     ${count} page(s), PDF ${await attr('transcript-preview-hash', 'data-full')}`);
      await press(`transcript-preview-${tid}-${v}`);
    });
  }
}

async function depart() {
  if (!(await exists('close-step'))) await openStep('close');
  await press('close-depart');
  await until('departure recorded', async () => !(await exists('close-depart')));
}

async function closeCase() {
  if (!(await exists('close-step'))) await openStep('close');
  await press('close-case');
  await until('the case closed', async () => !(await exists('close-case')));
}

/** One scenario step through the screens. */
async function run(s) {
  const expectCode = s.expect_refusal ?? null;
  switch (s.step) {
    case 'check_in':
      return checkIn(s);
    case 'show_credential':
      return showCredential(s);
    case 'record_party':
      return recordParty(s);
    case 'give_notice':
      return giveNotice(s);
    case 'capture_evidence':
      return capture(s);
    case 'answer':
      return answer({ ...s, evidence: (s.evidence ?? []).map(sub) }, expectCode);
    case 'take_sample':
      return takeSample(s);
    case 'hand_over':
      return handOver(s);
    case 'start_interview':
      return startInterview(s);
    case 'record_qa':
      return recordQa(s);
    case 'end_interview':
      return endInterview(s);
    case 'draft_transcript':
      return draftTranscript(s, expectCode);
    case 'sign':
      return sign(s);
    case 'lock_transcript':
      return lockTranscript(s, expectCode);
    case 'order_measure':
      return orderMeasure(s);
    case 'depart':
      return depart();
    case 'close_case':
      return closeCase();
    default:
      throw new Error(`no screen for scenario step ${s.step}`);
  }
}

let qaNo = 0;
/** A screenshot's name for a scenario step: what it is about, in ASCII. */
function stepName(s) {
  const record = { tq: 'inquiry', tr: 'onsite' };
  let what = '';
  if (s.item_id) what = `${s.item_id}${s.instance ? `-${s.instance}` : ''}`;
  else if (s.step === 'capture_evidence') what = s.path.replace(/\..*$/, '');
  else if (s.step === 'sign') what = `${record[s.transcript_id.slice(1)] ?? ''}-v${s.version}-${s.signer_id ?? s.role}`;
  else if (s.step === 'lock_transcript') what = record[s.transcript_id.slice(1)] ?? '';
  else if (s.step === 'record_qa') what = `q${++qaNo}`;
  else what = s.officer_id ?? (s.step === 'draft_transcript' ? s.kind : '') ?? '';
  const refused = s.expect_refusal ? `-refused-${s.expect_refusal}` : '';
  return `${s.step}${what ? `-${what}` : ''}${refused}`.replace(/[^\w.-]+/g, '_');
}

// ---- the walk -----------------------------------------------------------------------------------

let exitCode = 0;
try {
  await step('first-run', async () => {
    await el('first-run', 30_000);
    await type('enroll-server', url);
    await type('enroll-code', code);
    await type('enroll-pin', PIN);
    await type('enroll-pin-again', PIN);
    await shot('first-run-filled');
    await press('enroll-submit');
    await el('sign-in', 30_000);
  });

  await step('sign-in', async () => {
    // The pad signs in by itself at the sixth digit.
    for (const d of PIN) await press(`pin-key-${d}`);
    await el('inbox', 30_000);
  });

  await step('inbox', async () => {
    // The app's own sync brings the team's tasks.
    await el(`task-${task}`, 60_000);
    await until('the inbox to settle', async () => (await attr('inbox-refresh', 'disabled')) === null);
  });

  await step('open-task', async () => {
    await press(`task-open-${task}`);
    await el('case-view', 30_000);
    await until('the case screen', () => exists('step-screen'));
    caseId = await b.execute(() => decodeURIComponent(location.hash.split('/')[2] ?? ''));
    if (!caseId) throw new Error('no case id in the route');
    log(`     case ${caseId}`);
  });

  for (const raw of scenario.steps) {
    if (raw.step === 'open_case') continue;
    const s = raw;
    await step(stepName(s), async () => {
      const created = await run(s);
      if (s.save_as && created) vars[s.save_as] = created;
    });
    if (s.expect_refusal) await dismissBanners();
    // Once both transcripts are locked (the party's signature on the on-site record), preview them.
    if (!transcriptsPreviewed && vars.tr && s.step === 'sign' && s.role === 'party' && sub(s.transcript_id) === vars.tr) {
      transcriptsPreviewed = true;
      await previewTranscripts();
    }
  }

  await step('synced', async () => {
    if (!(await exists('close-step'))) await openStep('close');
    await until('the case at the center', async () => (await attr('records-sync', 'data-state')) === 'ok', { timeout: 120_000 });
  });

  await step('inbox-after', async () => {
    await press('case-back');
    await until('the inbox', async () => (await exists('inbox-list')) || (await exists('inbox-empty')));
    // The inbox lists open tasks: the closed one leaves it (or shows closed while it goes).
    await until('the task closed', async () => {
      const status = await b.execute((c) => document.querySelector(c)?.querySelector('[data-testid="task-status"]')?.dataset.status ?? 'gone', sel(`task-${task}`));
      return status === 'gone' || status === 'closed';
    });
  });

  // Another walk beside this one (the phone's, in the same test run) shares WebKit's pages: wait
  // until it is over, so this app's PSS is its own.
  if (process.env.SAMPLE_AFTER) {
    const t0 = Date.now();
    while (existsSync(process.env.SAMPLE_AFTER) && Date.now() - t0 < 300_000) await sleep(500);
    log(`     memory sampled ${Math.round((Date.now() - t0) / 1000)} s after the walk (the other walk over)`);
  }
  // The app's own process, and with WebKit's web and network processes under it (what the
  // device pays for the app).
  const tree = treeRss(appPid());
  console.log(JSON.stringify({ case_id: caseId, rss_kb: tree.parts[0].kb, rss_tree_kb: tree.kb, pss_tree_kb: tree.pss_kb, anon_tree_kb: tree.anon_kb, rss_parts: tree.parts, steps: stepNo, seconds: Math.round((Date.now() - started) / 100) / 10 }));
} catch (e) {
  log(e?.stack ?? String(e));
  exitCode = 1;
} finally {
  await b.deleteSession().catch(() => {});
}
process.exit(exitCode);
