import { describe, expect, it } from 'vitest';
import type { CaseDetail } from '../lib/api/types';
import demo from './fixtures/demo-case.json';
import { transcriptsOf } from './transcripts';

const real = demo as unknown as CaseDetail;

describe('records without the server overview', () => {
  it('groups versions per record with their signature checks', () => {
    const list = transcriptsOf(real);
    expect(list.map((x) => x.versions.map((v) => v.version))).toEqual([[1], [1, 2]]);
    const onsite = list[1];
    expect(onsite.versions[0].signatures.map((s) => s.status)).toEqual(['valid_for_other_version']);
    expect(onsite.versions[1].signatures.map((s) => s.name)).toEqual(['张伟', '李娜', '陈建国']);
    expect(onsite.versions.every((v) => v.locked === null && v.pdf === null)).toBe(true);
  });

  it('takes the record kind from the drafting op', () => {
    expect(transcriptsOf(real)[0].kind).toBe('inquiry');
  });

  it('uses the overview when present', () => {
    const c = {
      ...real,
      view: {
        transcripts: [
          {
            transcript_id: 't',
            kind: 'onsite',
            versions: [{ version: 2, content_hash: 'h2', content_intact: true, locked: true, pdf: '/p2', signatures: [] }],
          },
        ],
      },
    } as unknown as CaseDetail;
    expect(transcriptsOf(c)).toEqual([
      { transcript_id: 't', kind: 'onsite', versions: [{ version: 2, content_hash: 'h2', content_intact: true, locked: true, pdf: '/p2', signatures: [] }] },
    ]);
  });
});
