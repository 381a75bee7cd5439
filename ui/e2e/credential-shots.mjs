// Screenshots of the credential screens (issue 7) and the revoked device's lock screen at phone
// portrait (360×800) and tablet
// landscape (1280×800): the inbox's top bar with the way to 扫码验证, the 亮证 card (valid, no
// token yet, no center keys, the V-02 refusal), the scanner with a verdict and with a refusal,
// and the center's public check page (verify.html, /public/verify answered by a stub route).
// Against a Vite dev server of this project (the field app runs on e2e/credential-shots.ts's fake
// core):
//   npx vite --port 5180 --strictPort &
//   FIELDCASE_SHOTS_DIR=../target/screenshots/credential node e2e/credential-shots.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.FIELDCASE_SHOTS_BASE ?? 'http://127.0.0.1:5180';
const dir = process.env.FIELDCASE_SHOTS_DIR ?? '/tmp/credential-shots';
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
mkdirSync(dir, { recursive: true });
const qr = JSON.parse(readFileSync(new URL('./credential-qr.json', import.meta.url), 'utf8'));

const SIZES = [
  ['phone', { width: 360, height: 800 }],
  ['tablet', { width: 1280, height: 800 }],
];

const claims = {
  tid: '0193a1b2-7c1d-7e44-9a3b-5d2f8e1c0a77',
  officer_id: 'O-ZHANG',
  name: '张伟',
  number: '32050019001',
  kind: '中华人民共和国行政执法证',
  agency: '苏州市生态环境局',
  photo_sha256: null,
  valid_from: '2024-01-01',
  valid_to: '2028-12-31',
  issued_at_ms: Date.UTC(2026, 0, 5, 2),
};
const listAt = Date.now() - 20 * 60_000;
const publicAnswers = {
  valid: [200, { status: 'valid', claims, kid: 'k-2026a', revocations_seq: 12, revocations_issued_at_ms: listAt }],
  revoked: [
    200,
    {
      status: 'revoked',
      revoked_at_ms: Date.UTC(2026, 10, 22, 16, 30),
      reason: '调离执法岗位',
      claims,
      kid: 'k-2026a',
      revocations_seq: 13,
      revocations_issued_at_ms: listAt,
    },
  ],
  error: [400, { code: 'input.json', zh: '请求体不是有效的 JSON：缺少 token 字段', en: 'the body is not valid JSON: missing field token' }],
};

const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
const shots = [];
try {
  for (const [size, viewport] of SIZES) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const shot = async (name, full = false) => {
      const path = join(dir, `${name}-${size}.png`);
      await page.screenshot({ path, fullPage: full });
      shots.push(path);
    };
    const app = async (query, hash) => {
      await page.goto(`${base}/e2e/credential-shots.html?${query}${hash}`);
      await page.waitForSelector('[data-testid="top-bar"]');
    };
    const tid = (id) => `[data-testid="${id}"]`;

    // The lock screen of a device the center revoked (issue 7).
    await page.goto(`${base}/e2e/credential-shots.html?locked=1#/inbox`);
    await page.waitForSelector(tid('device-locked'));
    await shot('device-locked');

    // The inbox's top bar and the way to the scanner.
    await app('card=valid', '#/inbox');
    await page.waitForSelector(tid('open-verify'));
    await shot('inbox-topbar');

    // 亮证: a valid card with the center's verdict and a real ~570-character token's code.
    for (const card of ['valid', 'no_token', 'no_keys', 'expired']) {
      await app(`card=${card}`, `#/case/C-2026-1123-0001/credentials`);
      await page.click(tid('credential-show-O-ZHANG'));
      await page.waitForSelector(tid('credential-overlay'));
      await shot(`overlay-${card}`);
      if (card === 'valid') {
        const box = await page.$eval(tid('credential-qr'), (el) => {
          const r = el.getBoundingClientRect();
          return { w: r.width, h: r.height, modules: Number(el.getAttribute('data-modules')) };
        });
        console.log(`${size}: QR ${box.w}×${box.h} px for ${box.modules}+8 modules = ${(box.w / (box.modules + 8)).toFixed(3)} px/module`);
      }
    }
    // The V-02 refusal of a revoked credential, full screen.
    await app('card=valid', `#/case/C-2026-1123-0001/credentials`);
    await page.click(tid('credential-show-O-LI'));
    await page.waitForSelector(tid('credential-refusal'));
    await shot('overlay-refused-v02');

    // 扫码验证: empty, then a typed token's verdict, a revoked one, and a refusal.
    await app('verdict=valid', '#/verify');
    await page.waitForSelector(tid('verify-credential'));
    await shot('verify-empty');
    await page.fill(tid('verify-text'), qr.token);
    await page.click(tid('verify-submit'));
    await page.waitForSelector(tid('verify-result'));
    await page.waitForTimeout(600);
    await shot('verify-valid-scrolled');
    await page.evaluate(() => scrollTo(0, 0));
    await shot('verify-valid', true);

    await app('verdict=revoked', '#/verify');
    await page.fill(tid('verify-text'), qr.token);
    await page.click(tid('verify-submit'));
    await page.waitForSelector(tid('verify-result'));
    await shot('verify-revoked', true);

    await app('verdict=valid&list=0', '#/verify');
    await page.fill(tid('verify-text'), qr.token);
    await page.click(tid('verify-submit'));
    await page.waitForSelector(tid('verify-result'));
    await shot('verify-no-list', true);

    // Sunlight mode and English.
    await app('verdict=valid&contrast=high', '#/verify');
    await page.fill(tid('verify-text'), qr.token);
    await page.click(tid('verify-submit'));
    await page.waitForSelector(tid('verify-result'));
    await shot('verify-valid-sunlight', true);
    await app('card=valid&lang=en&contrast=high', `#/case/C-2026-1123-0001/credentials`);
    await page.click(tid('credential-show-O-ZHANG'));
    await page.waitForSelector(tid('credential-overlay'));
    await shot('overlay-valid-en-sunlight');

    await app('verdict=no_qr', '#/verify');
    await page.setInputFiles(tid('verify-photo-input'), { name: 'IMG_0042.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture') });
    await page.waitForSelector(tid('error-banner'));
    await page.waitForTimeout(600);
    await shot('verify-refused');

    // The public page, /public/verify answered by a stub.
    for (const [name, [status, body]] of Object.entries(publicAnswers)) {
      await page.route('**/public/verify', (route) =>
        route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) }),
      );
      await page.goto(`${base}/verify.html`);
      await page.fill(tid('verify-token-input'), qr.token);
      await page.click(tid('verify-token-submit'));
      await page.waitForSelector(name === 'error' ? tid('error-banner') : tid('verify-page-result'));
      await shot(`public-${name}`, true);
      await page.unroute('**/public/verify');
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(shots.join('\n'));
