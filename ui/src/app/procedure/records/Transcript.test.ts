// @vitest-environment jsdom
// The transcript screen: a version's preview shows its page images, record number and the PDF's
// hash (short, whole on a tap); drafting, redrafting and supplementing send the right commands.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../api/bindings/Command';
import { refusal } from '../../api/fake';
import { CASE_ID, demoScreen, done, onsiteTranscript, PREVIEW, screenAwaitingParty, version } from './fixtures';
import Transcript from './Transcript.svelte';
import { byTestId, choose, cleanup, click, render, settle, signIn, type } from './testkit';

beforeEach(() => signIn('O-ZHANG'));
afterEach(cleanup);

const sent = (fake: { calls: { name: string; args: unknown }[] }) =>
  fake.calls.filter((c) => c.name === 'step').map((c) => (c.args as { command: Command }).command);

describe('Transcript', () => {
  it("previews a version's pages, record number and PDF hash", async () => {
    const { target, fake } = render(Transcript, screenAwaitingParty(), { transcript_preview: () => PREVIEW });
    click(target, 'transcript-preview-TR-ONSITE-2');
    expect(byTestId(target, 'transcript-preview-loading')).toBeTruthy();
    await settle();

    expect(fake.calls).toEqual([{ name: 'transcript_preview', args: { case_id: CASE_ID, transcript_id: 'TR-ONSITE', version: 2 } }]);
    const pages = [...target.querySelectorAll<HTMLImageElement>('[data-testid="transcript-page"]')];
    expect(pages.map((p) => p.getAttribute('src'))).toEqual(PREVIEW.pages);
    expect(pages.map((p) => p.alt)).toEqual(['第 1 页', '第 2 页']);
    expect(byTestId(target, 'transcript-record-no').textContent).toContain('SZHJ-XC-2026-0001');
    expect(byTestId(target, 'transcript-preview').textContent).toContain('草稿');

    const hash = byTestId(target, 'transcript-preview-hash');
    expect(hash.textContent?.trim()).toBe(`${PREVIEW.pdf_sha256.slice(0, 8)}…${PREVIEW.pdf_sha256.slice(-8)}`);
    hash.click();
    await settle();
    expect(hash.textContent?.trim()).toBe(PREVIEW.pdf_sha256);
  });

  it('keeps an open preview when the case is read again after a sync', async () => {
    const { target, fake, rescreen } = render(Transcript, screenAwaitingParty(), { transcript_preview: () => PREVIEW });
    click(target, 'transcript-preview-TR-ONSITE-2');
    await settle();
    const before = [...target.querySelectorAll('[data-testid="transcript-page"]')];
    expect(before).toHaveLength(PREVIEW.pages.length);

    // A sync went through: CaseView draws a fresh screen of the same case. The party may be
    // reading page 2; the pages must neither blink to "loading" nor be drawn again.
    rescreen(screenAwaitingParty());
    await settle();
    expect(target.querySelector('[data-testid="transcript-preview-loading"]')).toBeNull();
    const after = [...target.querySelectorAll('[data-testid="transcript-page"]')];
    expect(after).toHaveLength(before.length);
    after.forEach((img, i) => expect(img).toBe(before[i]));
    expect(fake.calls.filter((c) => c.name === 'transcript_preview')).toHaveLength(1);
  });

  it('shows the reason when the preview cannot be drawn', async () => {
    const { target } = render(Transcript, screenAwaitingParty(), {
      transcript_preview: () => {
        throw refusal('render.preview', '预览图生成失败：字体缺失', 'the preview could not be drawn: font missing');
      },
    });
    click(target, 'transcript-preview-TR-ONSITE-1');
    await settle();
    expect(byTestId(target, 'error-banner').dataset.code).toBe('render.preview');
  });

  it('drafts an inquiry record from an ended interview', async () => {
    const screen = demoScreen();
    screen.case.interviews = [
      {
        id: 'IV-1',
        interviewee: screen.case.party!,
        sequence: 1,
        started_at: '2026-11-23T09:40:00+08:00',
        ended_at: '2026-11-23T10:05:00+08:00',
        place: 'meeting room',
        interviewers: ['O-ZHANG'],
        recorder: 'O-LI',
        qa: [{ q: 'q', a: 'a' }],
        closing_statement: 'ok',
      },
    ];
    const { target, fake } = render(Transcript, screen, { step: () => done(screen) });
    click(target, 'transcript-kind-inquiry');
    byTestId<HTMLInputElement>(target, 'transcript-kind-inquiry').dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    choose(target, 'transcript-interview', 'IV-1');
    type(target, 'transcript-narrative', '询问情况');
    click(target, 'transcript-draft');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'draft_transcript',
      case_id: CASE_ID,
      by: 'O-ZHANG',
      kind: 'inquiry',
      interview_id: 'IV-1',
      narrative: '询问情况',
      party_opinion: null,
    });
  });

  it('redrafts an unlocked record as a new version, prefilled with its narrative', async () => {
    const screen = screenAwaitingParty();
    const { target, fake } = render(Transcript, screen, { step: () => done(screen) });
    click(target, 'transcript-redraft-TR-ONSITE');
    expect(byTestId<HTMLTextAreaElement>(target, 'transcript-narrative').value).toBe('Nickel line running; hood extraction stopped.');
    expect(byTestId(target, 'transcript-draft-next').textContent).toContain('第3版');
    click(target, 'transcript-opinion-standard');
    click(target, 'transcript-draft');
    await settle();
    expect(sent(fake)[0]).toMatchObject({
      step: 'draft_transcript',
      kind: 'onsite',
      interview_id: null,
      narrative: 'Nickel line running; hood extraction stopped.',
      party_opinion: '以上记录属实',
    });
  });

  it('supplements a locked record with a reason (补充笔录), never redrafting it', async () => {
    const screen = demoScreen();
    screen.case.transcripts = [onsiteTranscript([version(1, { locked_at: '2026-11-23T10:45:00+08:00' })])];
    const { target, fake } = render(Transcript, screen, { step: () => done(screen) });
    expect(target.querySelector('[data-testid="transcript-redraft-TR-ONSITE"]')).toBeNull();
    expect(byTestId(target, 'transcript-draft-locked').textContent).toContain('第1版已签名锁定');
    click(target, 'transcript-amend-TR-ONSITE');
    type(target, 'transcript-amend-reason', '补充抽风设施数量');
    type(target, 'transcript-amend-narrative', '槽边抽风系统（2套）停运');
    click(target, 'transcript-amend-save');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'amend_transcript',
      case_id: CASE_ID,
      by: 'O-ZHANG',
      transcript_id: 'TR-ONSITE',
      reason: '补充抽风设施数量',
      narrative: '槽边抽风系统（2套）停运',
    });
  });
});
