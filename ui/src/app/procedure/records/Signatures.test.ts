// @vitest-environment jsdom
// The signature screen mounted for real: a pad's strokes become a sign command for the exact
// version and role; the lock's refusal (V-08) appears beside the lock button; the party's
// refusal is recorded with the witness and the witness's strokes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Command } from '../../api/bindings/Command';
import { refusal } from '../../api/fake';
import { setLocale } from '../../../lib/i18n';
import { done, screenAwaitingParty, signature, version, onsiteTranscript, LI, ZHANG, CASE_ID, demoScreen } from './fixtures';
import Signatures from './Signatures.svelte';
import { byTestId, choose, cleanup, click, draw, render, settle, signIn, type } from './testkit';

beforeEach(() => {
  signIn('O-ZHANG');
  // jsdom has no canvas: the pad records strokes without drawing them.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  setLocale('zh-CN');
});

const sent = (fake: { calls: { name: string; args: unknown }[] }) =>
  fake.calls.filter((c) => c.name === 'step').map((c) => (c.args as { command: Command }).command);

describe('Signatures', () => {
  it("sends the party's pad strokes as a sign command for the latest version", async () => {
    const screen = screenAwaitingParty();
    const after = screenAwaitingParty();
    const { target, fake, onscreen } = render(Signatures, screen, { step: () => done(after) });

    // The officers have signed v2; only the party is missing.
    expect(byTestId(target, 'signer-TR-ONSITE-O-ZHANG').dataset.signed).toBe('true');
    expect(byTestId(target, 'sign-needed-TR-ONSITE').textContent).toContain('当事人 1 人');

    click(target, 'sign-open-TR-ONSITE-party');
    expect(byTestId<HTMLButtonElement>(target, 'pad-TR-ONSITE-party-confirm').disabled).toBe(true);
    draw(target, 'pad-TR-ONSITE-party', [
      [10, 10],
      [60, 30],
      [110, 12],
    ]);
    draw(target, 'pad-TR-ONSITE-party', [
      [20, 40],
      [80, 45],
    ]);
    click(target, 'pad-TR-ONSITE-party-confirm');
    await settle();

    const [cmd] = sent(fake);
    expect(cmd).toMatchObject({
      step: 'sign',
      case_id: CASE_ID,
      transcript_id: 'TR-ONSITE',
      version: 2,
      role: 'party',
      signer_id: null,
      name: 'Chen Jianguo',
    });
    const strokes = (cmd as Extract<Command, { step: 'sign' }>).strokes;
    expect(strokes).toHaveLength(2);
    expect(strokes.map((s) => s.length)).toEqual([3, 2]);
    for (const p of strokes.flat()) {
      expect(p).toHaveLength(4);
      expect(p[3]).toBe(0.6);
    }
    expect(strokes[0].map(([x, y]) => [x, y])).toEqual([
      [10, 10],
      [60, 30],
      [110, 12],
    ]);
    expect(onscreen).toHaveBeenCalledWith(after);
  });

  const enterPin = (target: HTMLElement, pin: string) => {
    for (const d of pin) click(target, `pin-key-${d}`);
  };

  it('signs an officer under the roster id only after the PIN is entered, vouched for by the signed-in officer', async () => {
    const screen = demoScreen();
    screen.case.transcripts = [onsiteTranscript([version(1)])];
    const { target, fake } = render(Signatures, screen, { step: () => done(screen) });
    click(target, 'sign-open-TR-ONSITE-O-LI');
    draw(target, 'pad-TR-ONSITE-O-LI', [
      [5, 5],
      [80, 40],
    ]);
    click(target, 'pad-TR-ONSITE-O-LI-confirm');
    await settle();
    // Drawn, not sent: the PIN comes first. 李娜 has no PIN here, so the signed-in 张伟 vouches.
    expect(sent(fake)).toHaveLength(0);
    const prompt = byTestId(target, 'sign-pin-TR-ONSITE-O-LI');
    expect(prompt.textContent).toContain('没有离线密码');
    expect(prompt.textContent).toContain('Zhang Wei');
    enterPin(target, '240917');
    await settle();
    const call = fake.calls.find((c) => c.name === 'step');
    expect(call?.args).toMatchObject({ pin: '240917' });
    expect(sent(fake)[0]).toMatchObject({ step: 'sign', role: 'officer', signer_id: 'O-LI', name: LI.name, version: 1 });
  });

  it('says by whose PIN an officer signature was confirmed, by name', () => {
    const screen = screenAwaitingParty();
    const v2 = screen.case.transcripts[0].versions[1];
    v2.signatures[1] = { ...signature('officer', 'O-LI', LI.name), pin_confirmed_at: '2026-11-23T10:41:00+08:00', pin_confirmed_by: 'O-ZHANG' };
    const { target } = render(Signatures, screen, {});
    const note = byTestId(target, 'sign-pin-confirmed-TR-ONSITE-O-LI').textContent ?? '';
    expect(note).toContain('已输入离线密码确认');
    expect(note).toContain(ZHANG.name);
    // A signature recorded without one (made before issue 7, or from a scenario file) says nothing.
    expect(target.querySelector('[data-testid="sign-pin-confirmed-TR-ONSITE-O-ZHANG"]')).toBeNull();
  });

  it("asks the signed-in officer for their own PIN, and shows the core's refusal of a wrong one beside the pad", async () => {
    const screen = demoScreen();
    screen.case.transcripts = [onsiteTranscript([version(1)])];
    let tries = 0;
    const { target, fake } = render(Signatures, screen, {
      step: (args) => {
        tries++;
        if ((args as { pin?: string }).pin !== '240917') {
          throw refusal('auth.pin_wrong', '离线密码错误，再错3次将被锁定；签名未保存', 'wrong offline PIN; 3 more wrong tries lock it; the signature was not saved');
        }
        return done(screen);
      },
    });
    click(target, 'sign-open-TR-ONSITE-O-ZHANG');
    draw(target, 'pad-TR-ONSITE-O-ZHANG', [
      [5, 5],
      [80, 40],
    ]);
    click(target, 'pad-TR-ONSITE-O-ZHANG-confirm');
    await settle();
    expect(byTestId(target, 'sign-pin-TR-ONSITE-O-ZHANG').textContent).toContain('您本人的签名');
    expect(byTestId(target, 'pin-confirm').textContent).toContain('确认签名');
    enterPin(target, '111222');
    await settle();
    const banner = byTestId(byTestId(target, 'sign-feedback-TR-ONSITE-O-ZHANG'), 'error-banner');
    expect(banner.dataset.code).toBe('auth.pin_wrong');
    expect(banner.textContent).toContain('签名未保存');
    // The pad is cleared, the drawing kept: the right PIN sends the same strokes.
    expect(byTestId(target, 'pin-dots').dataset.filled).toBe('0');
    enterPin(target, '240917');
    await settle();
    expect(tries).toBe(2);
    const cmds = sent(fake);
    expect(cmds[1]).toEqual(cmds[0]);
    expect(cmds[1]).toMatchObject({ role: 'officer', signer_id: 'O-ZHANG' });
  });

  it("shows the core's V-08 refusal right beside the lock button", async () => {
    const { target, fake } = render(Signatures, screenAwaitingParty(), {
      step: () => {
        throw refusal(
          'V-08',
          '笔录第2版不能锁定，尚缺签名：当事人（或拒签记录）。',
          'transcript v2 cannot lock; signatures missing: party (or a refusal record).',
        );
      },
    });
    click(target, 'lock-TR-ONSITE');
    await settle();
    expect(sent(fake)[0]).toEqual({ step: 'lock_transcript', case_id: CASE_ID, by: 'O-ZHANG', transcript_id: 'TR-ONSITE' });

    const feedback = byTestId(target, 'lock-feedback-TR-ONSITE');
    // The feedback block follows the lock button's row directly.
    expect(byTestId(target, 'lock-TR-ONSITE').parentElement?.nextElementSibling).toBe(feedback);
    const banner = byTestId(feedback, 'error-banner');
    expect(banner.dataset.code).toBe('V-08');
    expect(banner.textContent).toContain('尚缺签名：当事人');

    setLocale('en');
    await settle();
    expect(byTestId(feedback, 'error-banner').textContent).toContain('signatures missing: party');
  });

  it('records the refusal with the witness, the witness strokes and a recording', async () => {
    const screen = screenAwaitingParty();
    const { target, fake } = render(Signatures, screen, { step: () => done(screen) });
    click(target, 'refuse-open-TR-ONSITE');
    type(target, 'refusal-reason', '认为检查结论不实');
    type(target, 'refusal-witness-name', 'Wang Fang');
    type(target, 'refusal-witness-unit', 'Changqiao street office');
    type(target, 'refusal-witness-phone', '13900000000');
    draw(target, 'pad-refusal-witness', [
      [12, 30],
      [90, 35],
      [140, 20],
    ]);
    choose(target, 'refusal-media', 'EV-VIDEO');
    click(target, 'refusal-save');
    await settle();

    const [cmd] = sent(fake);
    expect(cmd).toMatchObject({
      step: 'refuse_signature',
      case_id: CASE_ID,
      by: 'O-ZHANG',
      transcript_id: 'TR-ONSITE',
      version: 2,
      reason: '认为检查结论不实',
      witness: { name: 'Wang Fang', unit: 'Changqiao street office', id_number: null, phone: '13900000000', strokes_sha256: null },
      media_evidence_id: 'EV-VIDEO',
    });
    const ws = (cmd as Extract<Command, { step: 'refuse_signature' }>).witness_strokes;
    expect(ws).toHaveLength(1);
    expect(ws?.[0]).toHaveLength(3);
  });

  it('shows the refusal in place of the party pad once recorded, and a locked version read-only', () => {
    const screen = screenAwaitingParty();
    screen.case.transcripts[0].versions[1].refusal = {
      reason: '未说明理由',
      at: '2026-11-23T10:50:00+08:00',
      witness: { name: 'Wang Fang', unit: 'street office', id_number: null, phone: null, strokes_sha256: 'ab' },
      media_evidence_id: null,
    };
    screen.case.transcripts.push({
      id: 'TR-INQ',
      kind: 'inquiry',
      interview_id: null,
      versions: [
        version(1, {
          locked_at: '2026-11-23T10:20:00+08:00',
          signatures: [signature('party', 'Chen Jianguo', 'Chen Jianguo'), signature('officer', 'O-ZHANG', ZHANG.name), signature('officer', 'O-LI', LI.name)],
        }),
      ],
    });
    const { target } = render(Signatures, screen);
    const refused = byTestId(target, 'refusal-record-TR-ONSITE');
    expect(refused.textContent).toContain('未说明理由');
    expect(refused.textContent).toContain('Wang Fang');
    expect(target.querySelector('[data-testid="sign-open-TR-ONSITE-party"]')).toBeNull();
    expect(target.querySelector('[data-testid="refuse-open-TR-ONSITE"]')).toBeNull();
    expect(byTestId(target, 'signed-list-TR-INQ').querySelectorAll('li')).toHaveLength(3);
    expect(target.querySelector('[data-testid="lock-TR-INQ"]')).toBeNull();
  });

  it('points to the transcript step when there is nothing to sign', () => {
    const { target } = render(Signatures, demoScreen());
    expect(byTestId<HTMLAnchorElement>(target, 'signatures-goto-transcript').getAttribute('href')).toBe(`#/case/${CASE_ID}/transcript`);
  });
});
