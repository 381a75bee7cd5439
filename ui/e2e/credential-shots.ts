// The field app on a scripted fake core, for looking at the credential screens (the 亮证 card,
// 扫码验证) in a browser without Tauri: `npx vite` then open /e2e/credential-shots.html with
// `?card=valid|revoked|no_token|no_keys&verdict=<status>|no_qr|no_keys&list=0&locked=1` (see
// credential-shots.mjs, which takes the screenshots). The QR code is a real one of a token as
// long as the center's (credential-qr.json, made with the `qrcode` Python package).
import '../src/lib/theme.css';
import '../src/app/field.css';
import { mount } from 'svelte';
import App from '../src/app/App.svelte';
import { setLocale } from '../src/lib/i18n';
import { setBackend } from '../src/app/api/backend';
import { FakeBackend, refusal } from '../src/app/api/fake';
import type { CredentialVerdict } from '../src/app/api/bindings/CredentialVerdict';
import type { LiveSync } from '../src/app/api/bindings/LiveSync';
import { CASE_ID, OFFICERS, cardOf, freshScreen, signedIn, stepStatuses, verdictOf, type VerdictStatusName } from '../src/app/procedure/fixtures';
import qr from './credential-qr.json';

const p = new URLSearchParams(location.search);
const card = p.get('card') ?? 'valid';
const verdict = p.get('verdict') ?? 'valid';
const list = p.get('list') !== '0';
// `locked=1`: the center revoked this device — the lock screen (issue 7) in place of everything.
const locked =
  p.get('locked') === '1'
    ? {
        locked_at: new Date(Date.now() - 5 * 60_000).toISOString(),
        server: 'https://center.example',
        center_zh: '此设备已被吊销，请联系管理员',
        center_en: 'this device has been revoked',
      }
    : null;
if (p.get('contrast') === 'high') document.documentElement.classList.add('high-contrast');
setLocale(p.get('lang') === 'en' ? 'en' : 'zh-CN');

const now = Date.now();
const live: LiveSync = {
  status: {
    enrolled: true,
    server: 'https://center.example',
    user: 'U-ZHANG',
    links_pending: 0,
    blobs_pending: 0,
    blob_bytes_pending: 0,
    rejected: [],
    pull_cursor: 0,
    clock_offset_ms: 0,
    locked,
  },
  schedule: { state: 'waiting', at_ms: now + 60_000, after_failures: 0 },
  online: true,
  running: null,
  last_error: null,
  last_success_ms: now - 120_000,
};
if (locked) {
  // What the core reports on a locked device: the records wait, the last run said why.
  live.status.links_pending = 14;
  live.status.blobs_pending = 3;
  live.status.blob_bytes_pending = 9_400_000;
  live.last_error = {
    code: 'device.locked',
    zh: `本机已被中心吊销并锁定（${locked.center_zh}）：未发送的记录已封存在本机，不会删除；请联系管理员恢复本机`,
    en: `this device was revoked by the center and is locked (${locked.center_en}): its unsent records are sealed on the device, not deleted; contact an admin to reinstate it`,
  };
  live.schedule = { state: 'waiting', at_ms: now + 300_000, after_failures: 3 };
}

const screen = freshScreen();
screen.steps = stepStatuses(['checkin']);
screen.case.status = 'on_site';

function realCard(v: CredentialVerdict | null) {
  const c = cardOf(OFFICERS.zhang, { verdict: v });
  c.qr_payload = qr.token;
  c.qr_rows = qr.rows;
  return c;
}

function verdictNow(status: VerdictStatusName): CredentialVerdict {
  const v = verdictOf(status, OFFICERS.zhang, list);
  // A list issued three hours ago, so the age reads as it would on a device today.
  if (v.revocations_issued_at_ms !== null) v.revocations_issued_at_ms = now - 3 * 3600_000;
  return v;
}

setBackend(
  new FakeBackend({
    app_state: () => ({ ...signedIn(), locked }),
    sync_state: () => live,
    set_online: () => live,
    sync_now: () => live,
    inbox: () => [
      {
        task_id: 'T-2026-1123-01',
        source: 'random_draw',
        due: '2026-12-01',
        overdue: false,
        days_left: 7,
        enterprise_id: screen.enterprise.id,
        enterprise_name: screen.enterprise.name,
        risk: 'yellow',
        distance_m: 850,
        case_id: CASE_ID,
        case_status: 'on_site',
        case_sync: null,
      },
    ],
    case_screen: () => structuredClone(screen),
    credential_card: ({ officer_id }) => {
      if (card === 'revoked' || officer_id === 'O-LI') {
        throw refusal(
          'V-02',
          `${OFFICERS.li.name} 的执法证 ${OFFICERS.li.credential!.number} 已于 2026-11-23 被吊销（调离执法岗位），不能亮证。请由持有效证件的执法人员亮证。`,
          `${OFFICERS.li.name}'s credential ${OFFICERS.li.credential!.number} was revoked on 2026-11-23 and cannot be shown. An officer with a valid credential must show it.`,
        );
      }
      if (card === 'no_token') return cardOf(OFFICERS.zhang, { token: false });
      if (card === 'no_keys') return realCard(null);
      return realCard(verdictNow(card === 'valid' ? 'valid' : (card as VerdictStatusName)));
    },
    verify_credential: (a) => {
      if (verdict === 'no_qr')
        throw refusal('credential.no_qr', '图片中没有找到二维码：请让二维码平整并占满画面后重拍', 'no QR code was found in the picture: hold the code flat, filling the frame');
      if (verdict === 'no_keys')
        throw refusal('credential.no_keys', '本机还没有执法中心的公钥，无法验证：请先与中心同步', 'this device holds no center keys to verify with: sync with the center first');
      const v = verdictNow(verdict as VerdictStatusName);
      return { token: a.text ?? qr.token, verdict: v, keyring_seq: 3, revocations_age_ms: list ? 3 * 3600_000 : null };
    },
  }),
);

const target = document.getElementById('app');
if (!target) throw new Error('no #app');
mount(App, { target });
