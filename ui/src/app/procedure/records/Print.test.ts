// @vitest-environment jsdom
// The print step: choosing a printer (found over Bluetooth or typed) sends the right target; a
// scan refused on a device without Bluetooth says so under the search button; a locked version
// prints with the exact arguments, shows bytes sent while the core's job is polled, then printed;
// versions not locked cannot print and say why; a refused print shows under its own button.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { refusal } from '../../api/fake';
import type { FoundPrinter } from '../../api/bindings/FoundPrinter';
import type { PrintJob } from '../../api/bindings/PrintJob';
import type { PrinterSetup } from '../../api/bindings/PrinterSetup';
import type { PrintWhat } from '../../api/bindings/PrintWhat';
import type { Sample } from '../../api/bindings/Sample';
import { CASE_ID, demoScreen, onsiteTranscript, signature, version, LI, ZHANG } from './fixtures';
import Print from './Print.svelte';
import { POLL_MS, resetPrintRuns } from './printing.svelte';
import { byTestId, choose, cleanup, click, render, settle, type } from './testkit';

afterEach(() => {
  cleanup();
  resetPrintRuns();
  vi.useRealTimers();
});

const MODELS: PrinterSetup['models'] = [
  { id: 'generic-58', name_zh: '通用58毫米蓝牙票据打印机', name_en: 'Generic 58 mm BLE receipt printer', kind: 'receipt', dots_per_line: 384, ble: true },
  { id: 'generic-80', name_zh: '通用80毫米票据打印机', name_en: 'Generic 80 mm receipt printer', kind: 'receipt', dots_per_line: 576, ble: true },
  { id: 'label-40x30', name_zh: '40×30标签打印机', name_en: '40x30 label printer', kind: 'label', dots_per_line: 320, ble: false },
];
const CHOSEN: PrinterSetup = { models: MODELS, chosen: { profile_id: 'generic-58', target: 'ble:AA:BB:CC:DD:EE:01' } };

const SAMPLE: Sample = {
  sample_id: 'S-20261123-01',
  point: 'DW001',
  point_type: 'workshop_outlet',
  parameters: ['Ni'],
  container: 'P 500mL',
  preservative: 'HNO3',
  seal_no: 'FT-0001',
  label_printed: true,
  collected_at: '2026-11-23T09:30:00+08:00',
  collected_by: ['O-LI'],
  party_witness: 'Chen Jianguo',
  absence_reason: null,
  absence_proof: null,
  custody: [],
};

/** The demo case with its on-site record: version 1 replaced, version 2 signed and locked, version 3 a draft. */
function lockedScreen() {
  const screen = demoScreen();
  const signed = [signature('officer', 'O-ZHANG', ZHANG.name), signature('officer', 'O-LI', LI.name), signature('party', 'P', 'Chen Jianguo')];
  screen.case.transcripts = [
    onsiteTranscript([version(1), version(2, { signatures: signed, locked_at: '2026-11-23T10:45:00+08:00' }), version(3)]),
  ];
  screen.case.samples = [SAMPLE];
  return screen;
}

const job = (what: PrintWhat, state: PrintJob['state'], sent: number, total: number): PrintJob => ({
  case_id: CASE_ID,
  what,
  printer: 'generic-58 (ble:AA:BB:CC:DD:EE:01)',
  state,
  sent,
  total,
  error: null,
});

describe('Print: choosing the printer', () => {
  it('shows that no printer is chosen, then saves a typed network printer with its model and target', async () => {
    const { target, fake } = render(Print, demoScreen(), {
      printers: () => ({ models: MODELS, chosen: null }),
      choose_printer: (c) => ({ models: MODELS, chosen: c }),
    });
    await settle();
    expect(byTestId(target, 'printer-chosen').textContent).toContain('尚未选择打印机');
    choose(target, 'printer-model', 'generic-80');
    type(target, 'printer-target', ' tcp:192.168.1.50:9100 ');
    click(target, 'printer-save');
    await settle();
    expect(fake.calls.filter((c) => c.name === 'choose_printer').map((c) => c.args)).toEqual([
      { profile_id: 'generic-80', target: 'tcp:192.168.1.50:9100' },
    ]);
    expect(byTestId(target, 'printer-chosen').textContent).toContain('通用80毫米票据打印机');
    expect(byTestId(target, 'printer-chosen').textContent).toContain('tcp:192.168.1.50:9100');
  });

  it('chooses a found Bluetooth printer by its target, with a picked model when it did not say its model', async () => {
    const found: FoundPrinter[] = [
      { address: 'AA:BB:CC:DD:EE:01', name: 'MPT-II', rssi: -58, profile_id: 'generic-58', target: 'ble:AA:BB:CC:DD:EE:01' },
      { address: 'AA:BB:CC:DD:EE:02', name: null, rssi: null, profile_id: null, target: 'ble:AA:BB:CC:DD:EE:02' },
    ];
    const { target, fake } = render(Print, demoScreen(), {
      printers: () => ({ models: MODELS, chosen: null }),
      discover_printers: () => found,
      choose_printer: (c) => ({ models: MODELS, chosen: c }),
    });
    await settle();
    click(target, 'printer-discover');
    await settle();
    expect(fake.calls.find((c) => c.name === 'discover_printers')?.args).toEqual({ seconds: 8 });
    expect(byTestId(target, 'printer-found-AA:BB:CC:DD:EE:01').textContent).toContain('MPT-II');
    click(target, 'printer-use-AA:BB:CC:DD:EE:01');
    await settle();
    choose(target, 'printer-found-model-AA:BB:CC:DD:EE:02', 'generic-80');
    click(target, 'printer-use-AA:BB:CC:DD:EE:02');
    await settle();
    expect(fake.calls.filter((c) => c.name === 'choose_printer').map((c) => c.args)).toEqual([
      { profile_id: 'generic-58', target: 'ble:AA:BB:CC:DD:EE:01' },
      { profile_id: 'generic-80', target: 'ble:AA:BB:CC:DD:EE:02' },
    ]);
    expect(byTestId(target, 'printer-chosen').textContent).toContain('ble:AA:BB:CC:DD:EE:02');
  });

  it('shows a refused Bluetooth scan right under the search button', async () => {
    const { target } = render(Print, demoScreen(), {
      printers: () => CHOSEN,
      discover_printers: () => {
        throw refusal('print.bluetooth_unavailable', '打印失败：本设备没有可用的蓝牙', 'printing failed: no Bluetooth adapter on this device');
      },
    });
    await settle();
    click(target, 'printer-discover');
    await settle();
    const banner = byTestId(target, 'printer-discover').parentElement?.nextElementSibling;
    expect(banner?.getAttribute('data-code')).toBe('print.bluetooth_unavailable');
    expect(banner?.textContent).toContain('本设备没有可用的蓝牙');
    expect(byTestId<HTMLButtonElement>(target, 'printer-discover').disabled).toBe(false);
  });

  it('shows a refused target under the save button', async () => {
    const { target } = render(Print, demoScreen(), {
      printers: () => CHOSEN,
      choose_printer: () => {
        throw refusal('print.bad_target', '打印机地址无效：192.168.1.50', 'bad printer address 192.168.1.50');
      },
    });
    await settle();
    type(target, 'printer-target', '192.168.1.50');
    click(target, 'printer-save');
    await settle();
    const banner = byTestId(target, 'printer-save').nextElementSibling;
    expect(banner?.getAttribute('data-code')).toBe('print.bad_target');
    expect(byTestId(target, 'printer-chosen').textContent).toContain('ble:AA:BB:CC:DD:EE:01');
  });
});

describe('Print: documents', () => {
  it('prints a locked version with the exact arguments, shows bytes sent while polling, then printed', async () => {
    vi.useFakeTimers();
    const what: PrintWhat = { what: 'transcript', transcript_id: 'TR-ONSITE', version: 2 };
    let release: () => void = () => {};
    const released = new Promise<void>((r) => (release = r));
    const { target, fake } = render(Print, lockedScreen(), {
      printers: () => CHOSEN,
      print: async () => {
        await released;
        return job(what, 'done', 2048, 2048);
      },
      print_job: () => job(what, 'sending', 512, 2048),
    });
    await settle();
    click(target, 'print-transcript-TR-ONSITE-2');
    await settle();
    expect(fake.calls.filter((c) => c.name === 'print').map((c) => c.args)).toEqual([{ case_id: CASE_ID, what }]);
    const feedback = () => byTestId(target, 'print-transcript-TR-ONSITE-2-feedback');
    expect(byTestId(feedback(), 'print-progress').textContent).toContain('正在连接打印机');
    expect(byTestId<HTMLButtonElement>(target, 'print-transcript-TR-ONSITE-2').disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(POLL_MS);
    await settle();
    expect(fake.calls.filter((c) => c.name === 'print_job')).toHaveLength(1);
    expect(byTestId(feedback(), 'print-progress').textContent).toContain('已发送 512 / 2048 字节');
    expect(byTestId<HTMLProgressElement>(feedback(), 'print-progress').querySelector('progress')?.value).toBe(512);

    release();
    await settle();
    expect(feedback().querySelector('[data-testid="print-progress"]')).toBeNull();
    expect(byTestId(feedback(), 'print-done').textContent).toContain('已打印');
    expect(byTestId(target, 'print-transcript-TR-ONSITE-2').textContent).toContain('再打印一份');
    // The poll stops with the print: no more calls however long the screen stays open.
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(fake.calls.filter((c) => c.name === 'print_job')).toHaveLength(1);
  });

  it('lists versions not locked without a print button, saying why', async () => {
    const { target } = render(Print, lockedScreen(), { printers: () => CHOSEN });
    await settle();
    expect(target.querySelector('[data-testid="print-transcript-TR-ONSITE-1"]')).toBeNull();
    expect(target.querySelector('[data-testid="print-transcript-TR-ONSITE-3"]')).toBeNull();
    expect(byTestId(target, 'print-unlocked-TR-ONSITE-1').textContent).toContain('已被第2版取代');
    expect(byTestId(target, 'print-unlocked-TR-ONSITE-3').textContent).toContain('签名齐全锁定后才能打印');
    expect(byTestId(target, 'print-transcript-TR-ONSITE-2')).toBeTruthy();
    expect(byTestId(target, 'print-doc-receipt').textContent).toContain('据第2版现场检查笔录生成');
    expect(byTestId(target, 'print-label-S-20261123-01')).toBeTruthy();
  });

  it('offers no receipt before the on-site record is locked, and says so', async () => {
    const screen = demoScreen();
    screen.case.transcripts = [onsiteTranscript([version(1)])];
    const { target } = render(Print, screen, { printers: () => CHOSEN });
    await settle();
    expect(target.querySelector('[data-testid="print-receipt"]')).toBeNull();
    expect(byTestId(target, 'print-receipt-why').textContent).toContain('现场检查笔录签名锁定后才能打印回执');
  });

  it('shows a refused print under the button that was pressed, and nowhere else', async () => {
    const { target, fake } = render(Print, lockedScreen(), {
      printers: () => ({ ...CHOSEN, chosen: { profile_id: 'label-40x30', target: 'tcp:10.0.0.9:9100' } }),
      print: () => {
        throw refusal('print.label_printer', '标签打印机不能打印笔录', 'a label printer cannot print transcripts');
      },
      print_job: () => null,
    });
    await settle();
    click(target, 'print-transcript-TR-ONSITE-2');
    await settle();
    const banner = byTestId(byTestId(target, 'print-transcript-TR-ONSITE-2-feedback'), 'error-banner');
    expect(banner.getAttribute('data-code')).toBe('print.label_printer');
    expect(banner.textContent).toContain('标签打印机不能打印笔录');
    expect(target.querySelectorAll('[data-testid="error-banner"]')).toHaveLength(1);
    // A refusal is not a failed print: nothing was sent.
    expect(target.querySelector('[data-testid="print-failed"]')).toBeNull();
    expect(fake.calls.filter((c) => c.name === 'print').map((c) => c.args)).toEqual([
      { case_id: CASE_ID, what: { what: 'transcript', transcript_id: 'TR-ONSITE', version: 2 } },
    ]);
  });

  it('shows a print that failed while sending as failed, with how far it got and why', async () => {
    const what: PrintWhat = { what: 'receipt' };
    const lost = { code: 'print.link_lost', zh: '打印失败：蓝牙连接中断', en: 'printing failed: the Bluetooth link was lost' };
    const { target } = render(Print, lockedScreen(), {
      printers: () => CHOSEN,
      print: () => {
        throw refusal(lost.code, lost.zh, lost.en);
      },
      print_job: () => ({ ...job(what, 'failed', 700, 2400), error: lost }),
    });
    await settle();
    click(target, 'print-receipt');
    await settle();
    const feedback = byTestId(target, 'print-receipt-feedback');
    expect(byTestId(feedback, 'print-failed').textContent).toContain('已发送 700 / 2400 字节');
    expect(byTestId(feedback, 'error-banner').getAttribute('data-code')).toBe('print.link_lost');
  });
});
