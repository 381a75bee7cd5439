import { describe, expect, it } from 'vitest';
import type { LiveSync } from '../api/bindings/LiveSync';
import { rejectedReason, syncState } from './syncState';

function live(over: Partial<LiveSync> = {}, status: Partial<LiveSync['status']> = {}): LiveSync {
  return {
    status: {
      enrolled: true,
      server: 'https://center.example',
      user: 'u-1',
      links_pending: 0,
      blobs_pending: 0,
      blob_bytes_pending: 0,
      rejected: [],
      pull_cursor: 0,
      clock_offset_ms: 0,
      locked: null,
      ...status,
    },
    schedule: { state: 'waiting', at_ms: 0, after_failures: 0 },
    online: true,
    running: null,
    last_error: null,
    last_success_ms: 1,
    ...over,
  };
}

const refusedOp = (reason: string | null) => ({ seq: 7, op_id: 'op-7', case_id: 'C-1', kind: 'answer', reason });

describe('syncState', () => {
  it('is unknown before the first poll', () => {
    expect(syncState(null)).toEqual({ kind: 'unknown' });
  });

  it('is offline when the network is down, with what waits', () => {
    expect(syncState(live({ online: false }, { links_pending: 3, blobs_pending: 1 }))).toEqual({
      kind: 'offline',
      links: 3,
      blobs: 1,
    });
    expect(syncState(live({ schedule: { state: 'offline' } })).kind).toBe('offline');
  });

  it('offline wins over the network error it caused', () => {
    const v = syncState(live({ online: false, last_error: { code: 'sync.network', zh: '网络', en: 'network' } }));
    expect(v.kind).toBe('offline');
  });

  it('is sending with the run progress while a run is under way', () => {
    const running = {
      phase: 'uploading' as const,
      links_total: 4,
      blobs_done: 1,
      blobs_total: 3,
      bytes_sent: 1_200_000,
      bytes_total: 5_000_000,
    };
    expect(syncState(live({ running }, { links_pending: 4 }))).toEqual({ kind: 'sending', ...running });
  });

  it('is all sent when nothing waits and nothing was refused', () => {
    expect(syncState(live())).toEqual({ kind: 'all_sent' });
  });

  it('is waiting with the counts when records or files wait', () => {
    expect(syncState(live({}, { links_pending: 2, blobs_pending: 5, blob_bytes_pending: 2048 }))).toEqual({
      kind: 'waiting',
      links: 2,
      blobs: 5,
      bytes: 2048,
    });
    expect(syncState(live({}, { blobs_pending: 1 })).kind).toBe('waiting');
  });

  it('needs attention when the schedule stopped, with the last error as the reason', () => {
    const last_error = { code: 'sync.revoked', zh: '设备已被吊销', en: 'device revoked' };
    const v = syncState(
      live({ schedule: { state: 'needs_attention', reason: '设备已被吊销 / device revoked' }, last_error, online: false }),
    );
    expect(v).toEqual({ kind: 'attention', reason: last_error, rejected: 0 });
  });

  it('needs attention with the schedule reason when there is no last error', () => {
    const v = syncState(live({ schedule: { state: 'needs_attention', reason: '需要更新 / update needed' } }));
    expect(v).toEqual({
      kind: 'attention',
      reason: { code: 'sync.attention', zh: '需要更新 / update needed', en: '需要更新 / update needed' },
      rejected: 0,
    });
  });

  it('needs attention when the center refused records, with the center reason', () => {
    const reason = JSON.stringify({ code: 'op.invalid', zh: '记录无效', en: 'invalid record' });
    const v = syncState(live({}, { rejected: [refusedOp(reason), refusedOp(null)], links_pending: 0 }));
    expect(v).toEqual({ kind: 'attention', reason: { code: 'op.invalid', zh: '记录无效', en: 'invalid record' }, rejected: 2 });
  });

  it('needs attention after a failed run (last_error), even with records waiting', () => {
    const last_error = { code: 'sync.server', zh: '服务器错误', en: 'server error' };
    const v = syncState(live({ last_error }, { links_pending: 3 }));
    expect(v).toEqual({ kind: 'attention', reason: last_error, rejected: 0 });
  });
});

describe('rejectedReason', () => {
  it('reads the JSON reason, keeps raw text, and nothing for none', () => {
    expect(rejectedReason(null)).toBeNull();
    expect(rejectedReason('plain words')).toEqual({ code: 'sync.rejected', zh: 'plain words', en: 'plain words' });
  });
});
