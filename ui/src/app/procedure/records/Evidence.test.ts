// @vitest-environment jsdom
// Evidence capture: the file the camera or picker gives is sent with what it proves, its kind
// and its method as the record stores it (the Chinese word); an import goes as in_app false
// (the core flags it external). The gallery loads thumbnails and opens the display copy.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaptureArgs } from '../../api/bindings/CaptureArgs';
import { refusal } from '../../api/fake';
import { app } from '../../state.svelte';
import { CASE_ID, demoScreen, done } from './fixtures';
import { byTestId, choose, cleanup, click, render, settle, signIn, type } from './testkit';

const camera = vi.hoisted(() => ({ readChosen: vi.fn(), hasCamera: vi.fn(() => true) }));
vi.mock('../../platform/camera', async (original) => ({
  ...(await original<typeof import('../../platform/camera')>()),
  readChosen: camera.readChosen,
  hasCamera: camera.hasCamera,
}));

// Imported after the mock so the screen sees the mocked camera.
const { default: Evidence } = await import('./Evidence.svelte');
const { forgetThumbnails } = await import('./EvidenceThumb.svelte');

const JPEG = { name: 'IMG_20261123_0912.jpg', media_type: 'image/jpeg', data_base64: '/9j/4AAQSkZJRg==', size: 11 };

/** Presses a take button: it opens its hidden input (the camera or the picker), which then
 *  brings `file` with its change event, as the WebView does. Answers the input opened. */
function pick(target: HTMLElement, button: string, file: File): HTMLInputElement {
  const opened: HTMLInputElement[] = [];
  const spy = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(function (this: HTMLInputElement) {
    opened.push(this);
  });
  click(target, button);
  spy.mockRestore();
  expect(opened).toHaveLength(1);
  Object.defineProperty(opened[0], 'files', { value: [file], configurable: true });
  opened[0].dispatchEvent(new Event('change', { bubbles: true }));
  return opened[0];
}

beforeEach(() => {
  signIn('O-LI');
  camera.readChosen.mockReset();
  camera.hasCamera.mockReturnValue(true);
  forgetThumbnails();
});
afterEach(cleanup);

const thumbs = { evidence_image: (a: { evidence_id: string; thumb: boolean }) => ({ data_url: `data:image/jpeg;base64,${a.evidence_id}-${a.thumb}`, sha256: 'x' }) };

describe('Evidence', () => {
  it('sends an import with proves, kind, the Chinese method word and in_app false', async () => {
    camera.readChosen.mockResolvedValue({ name: 'permit-scan.pdf', media_type: 'application/pdf', data_base64: 'JVBERi0=', size: 5 });
    const screen = demoScreen();
    const captured: CaptureArgs[] = [];
    const { target, onscreen } = render(Evidence, screen, {
      ...thumbs,
      capture: (a) => (captured.push(a), done(screen, 'evidence_captured', 'EV-NEW')),
    });
    const scan = new File(['%PDF-'], 'permit-scan.pdf', { type: 'application/pdf' });
    const input = pick(target, 'evidence-import', scan);
    await settle();
    // The picker takes imports of any evidence kind; the file is read from its input.
    expect(input.dataset.testid).toBe('evidence-file-input');
    expect(input.accept).toBe('image/*,video/*,audio/*,application/pdf');
    expect(camera.readChosen).toHaveBeenCalledWith(scan, expect.anything());

    // A PDF is taken for a document copy, copied in (拷贝).
    expect(byTestId<HTMLSelectElement>(target, 'evidence-kind').value).toBe('doc_copy');
    expect(byTestId<HTMLSelectElement>(target, 'evidence-method').value).toBe('copy');
    choose(target, 'evidence-method', 'export');
    type(target, 'evidence-proves-input', '  排污许可证副本第3页  ');
    click(target, 'evidence-copy-confirmed');
    choose(target, 'evidence-item', 'EP-11');
    type(target, 'evidence-location-reason', '在门卫室导入');
    click(target, 'evidence-save');
    await settle();

    expect(captured).toEqual([
      {
        case_id: CASE_ID,
        data_base64: 'JVBERi0=',
        file_name: 'permit-scan.pdf',
        media_type: 'application/pdf',
        kind: 'doc_copy',
        method: '导出',
        proves: '排污许可证副本第3页',
        in_app: false,
        fix: null,
        item_id: 'EP-11',
        location_reason: '在门卫室导入',
        copy_confirmed: true,
      },
    ]);
    expect(onscreen).toHaveBeenCalledWith(screen);
    // The form is cleared for the next capture.
    expect(target.querySelector('[data-testid="evidence-form"]')).toBeNull();
  });

  it('sends a camera photo as taken in the app, with the fix and 拍照', async () => {
    camera.readChosen.mockResolvedValue(JPEG);
    app.fix = { lat: 31.2556, lon: 120.6051, accuracy_m: 6, source: 'gnss', fix_time: null };
    const screen = demoScreen();
    const captured: CaptureArgs[] = [];
    const { target } = render(Evidence, screen, { ...thumbs, capture: (a) => (captured.push(a), done(screen)) });
    const input = pick(target, 'evidence-capture', new File(['x'], 'IMG_20261123_0912.jpg', { type: 'image/jpeg' }));
    await settle();
    // The camera input: photos only, the rear camera.
    expect(input.dataset.testid).toBe('evidence-camera-input');
    expect(input.getAttribute('capture')).toBe('environment');
    expect(camera.readChosen).toHaveBeenCalledTimes(1);
    expect(byTestId(target, 'evidence-position').textContent).toContain('31.255600, 120.605100');
    type(target, 'evidence-proves-input', '车间废水排放口DW001现状及标志牌');
    click(target, 'evidence-save');
    await settle();
    expect(captured[0]).toMatchObject({
      kind: 'photo',
      method: '拍照',
      proves: '车间废水排放口DW001现状及标志牌',
      in_app: true,
      fix: { lat: 31.2556, lon: 120.6051, accuracy_m: 6, source: 'gnss', fix_time: null },
      item_id: null,
      location_reason: null,
      copy_confirmed: null,
    });
  });

  it("shows the core's refusal beside the save button and keeps the file", async () => {
    camera.readChosen.mockResolvedValue(JPEG);
    const { target } = render(Evidence, demoScreen(), {
      ...thumbs,
      capture: () => {
        throw refusal('input.missing', '缺少证明对象（该证据证明什么）', 'missing: proves');
      },
    });
    pick(target, 'evidence-capture', new File(['x'], 'IMG_20261123_0912.jpg', { type: 'image/jpeg' }));
    await settle();
    click(target, 'evidence-save');
    await settle();
    const banner = byTestId(byTestId(target, 'evidence-feedback'), 'error-banner');
    expect(banner.dataset.code).toBe('input.missing');
    expect(banner.textContent).toContain('缺少证明对象');
    expect(byTestId(target, 'evidence-form')).toBeTruthy();
  });

  it('offers only the import on a device without a camera, and says why', () => {
    camera.hasCamera.mockReturnValue(false);
    const { target } = render(Evidence, demoScreen(), thumbs);
    expect(target.querySelector('[data-testid="evidence-capture"]')).toBeNull();
    expect(target.textContent).toContain('本设备没有可用的相机');
  });

  it('shows the gallery with thumbnails, external flag, hash and case sync state; opens the display copy', async () => {
    const { target, fake } = render(Evidence, demoScreen(), thumbs);
    await settle();
    // Photos fetch their thumbnail; the video (no picture) shows its kind.
    const thumbCalls = fake.calls.filter((c) => c.name === 'evidence_image').map((c) => c.args);
    expect(thumbCalls).toEqual([
      { case_id: CASE_ID, evidence_id: 'EV-TANK', thumb: true },
      { case_id: CASE_ID, evidence_id: 'EV-OUTLET', thumb: true },
    ]);
    expect(byTestId(target, 'evidence-thumb-EV-OUTLET').querySelector('img')?.getAttribute('src')).toBe('data:image/jpeg;base64,EV-OUTLET-true');
    const video = byTestId(target, 'evidence-item-EV-VIDEO');
    expect(video.querySelector('img')).toBeNull();
    // A recording has no picture to open.
    expect(byTestId(video, 'evidence-thumb-EV-VIDEO').tagName).toBe('DIV');
    expect(video.dataset.external).toBe('true');
    expect(video.textContent).toContain('外部导入');
    expect(byTestId(target, 'evidence-item-EV-OUTLET').textContent).toContain('现场采集');
    expect(byTestId(byTestId(target, 'evidence-item-EV-OUTLET'), 'evidence-sha').getAttribute('title')).toHaveLength(64);
    expect(byTestId(target, 'records-sync').textContent).toContain('2 个文件尚未送达中心');

    click(target, 'evidence-thumb-EV-TANK');
    await settle();
    expect(fake.calls.at(-1)).toEqual({ name: 'evidence_image', args: { case_id: CASE_ID, evidence_id: 'EV-TANK', thumb: false } });
    expect(byTestId(target, 'evidence-viewer-image').getAttribute('src')).toBe('data:image/jpeg;base64,EV-TANK-false');
    click(target, 'evidence-viewer-close');
    expect(target.querySelector('[data-testid="evidence-viewer"]')).toBeNull();
  });
});
