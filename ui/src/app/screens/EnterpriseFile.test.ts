// @vitest-environment jsdom
// The enterprise file mounted for real: basics, risk, permit limits, units, past findings, the
// checklists in the chosen language and this device's cases (with the way into each).
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { EnterpriseFile as File } from '../api/bindings/EnterpriseFile';
import { FakeBackend, refusal } from '../api/fake';
import EnterpriseFile from './EnterpriseFile.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  setLocale('zh-CN');
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

const file: File = {
  enterprise: {
    id: 'E-01',
    uscc: '91320500MA1XXXXX01',
    name: '苏州澄练印染有限公司',
    address: '苏州市吴江区盛泽镇工业路 8 号',
    area: '320509',
    legal_rep: '陈建国',
    location: { lat: 30.9, lon: 120.65 },
    boundary: null,
    industry_codes: ['C1713'],
    flags: ['special_limits', 'brand_new_flag'],
    permit_limits: [
      { item: 'DY-05', param: 'COD', instance: 'DW001', value: 80, source: '排污许可证 91320500MA1XXXXX001P 表3' },
      { item: 'DY-07', param: null, instance: null, value: 1.5, source: '环评批复' },
    ],
    units: { outlet: ['DW001', 'DW002'], facility: ['TW001'], hopper: [] },
    risk: 'red',
    past_inspections: [
      { date: '2026-05-21', source: 'complaint', findings: ['废水总排口 COD 超标', '危废间未设识别标志'] },
      { date: '2025-10-02', source: 'random_draw', findings: [] },
    ],
  },
  checklists: [{ id: 'dyeing', version: '2025.1', name_zh: '印染企业现场检查单', name_en: 'Dyeing plant checklist' }],
  cases: [{ case_id: 'C-9', task_id: 'T-9', status: 'on_site', opened_at: '2026-11-23T01:00:00Z' }],
};

async function render(fake: FakeBackend, enterpriseId = 'E-01') {
  setBackend(fake);
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(EnterpriseFile, { target, props: { enterpriseId } });
  await settle();
  return target;
}

describe('EnterpriseFile', () => {
  it('asks for the enterprise and shows its basics and risk', async () => {
    const fake = new FakeBackend({ enterprise_file: () => file });
    const el = await render(fake);
    expect(fake.calls).toEqual([{ name: 'enterprise_file', args: { enterprise_id: 'E-01' } }]);
    expect(el.querySelector('[data-testid="enterprise-name"]')!.textContent).toBe('苏州澄练印染有限公司');
    expect(el.querySelector('[data-testid="enterprise-uscc"]')!.textContent).toBe('91320500MA1XXXXX01');
    expect(el.textContent).toContain('陈建国');
    expect(el.textContent).toContain('C1713');
    expect(el.querySelector('[data-testid="enterprise-flags"]')!.textContent).toContain('特别排放限值地区、brand_new_flag');
    expect(el.querySelector('[data-testid="risk-badge"]')!.textContent).toContain('红');
  });

  it('shows the permit limits table', async () => {
    const el = await render(new FakeBackend({ enterprise_file: () => file }));
    const rows = [...el.querySelectorAll('[data-testid="permit-limits"] tbody tr')].map((r) =>
      [...r.querySelectorAll('td')].map((c) => c.textContent),
    );
    expect(rows).toEqual([
      ['DY-05', 'COD', 'DW001', '80', '排污许可证 91320500MA1XXXXX001P 表3'],
      ['DY-07', '—', '—', '1.5', '环评批复'],
    ]);
  });

  it('lists units per kind and past inspections with their findings', async () => {
    const el = await render(new FakeBackend({ enterprise_file: () => file }));
    const units = el.querySelector('[data-testid="enterprise-units"]')!;
    expect([...units.querySelectorAll('dt')].map((d) => d.textContent)).toEqual(['排放口', '污染治理设施']);
    expect(units.textContent).toContain('DW002');
    const past = [...el.querySelectorAll('[data-testid="past-inspections"] > li')];
    expect(past).toHaveLength(2);
    expect(past[0].textContent).toContain('2026-05-21');
    expect(past[0].textContent).toContain('信访投诉');
    expect([...past[0].querySelectorAll('.findings li')].map((l) => l.textContent)).toEqual([
      '废水总排口 COD 超标',
      '危废间未设识别标志',
    ]);
    expect(past[1].textContent).toContain('未发现问题');
  });

  it('names checklists in the chosen language and opens a case of this device', async () => {
    const el = await render(new FakeBackend({ enterprise_file: () => file }));
    expect(el.querySelector('[data-testid="enterprise-checklists"]')!.textContent).toContain('印染企业现场检查单');
    setLocale('en');
    flushSync();
    expect(el.querySelector('[data-testid="enterprise-checklists"]')!.textContent).toContain('Dyeing plant checklist');
    expect(el.textContent).toContain('On site');
    el.querySelector<HTMLButtonElement>('[data-testid="enterprise-case-C-9"]')!.click();
    expect(location.hash).toBe('#/case/C-9');
    el.querySelector<HTMLButtonElement>('[data-testid="enterprise-back"]')!.click();
    expect(location.hash).toBe('#/inbox');
  });

  it('shows a refusal', async () => {
    const el = await render(
      new FakeBackend({
        enterprise_file: () => {
          throw refusal('not_found', '没有这个企业', 'no such enterprise');
        },
      }),
      'E-404',
    );
    expect(el.querySelector('[data-testid="error-banner"]')!.textContent).toContain('没有这个企业');
    expect(el.querySelector('[data-testid="enterprise-name"]')).toBeNull();
  });
});
