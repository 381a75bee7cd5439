import { describe, expect, it } from 'vitest';
import { canSubmit, reviewActions, reviewerLabel } from './review';

const moves = (s: string | null) => reviewActions(s).map((a) => [a.to, a.label, a.needsNote]);

describe('review actions', () => {
  it('offers exactly the moves of the review state machine', () => {
    expect(moves('received')).toEqual([['under_review', 'review.action.under_review', false]]);
    expect(moves('under_review')).toEqual([
      ['accepted', 'review.action.accepted', false],
      ['returned', 'review.action.returned', true],
    ]);
    expect(moves('returned')).toEqual([['under_review', 'review.action.reopen', false]]);
    expect(moves('accepted')).toEqual([]);
  });

  it('treats a missing review (older server) as received, and an unknown state as final', () => {
    expect(moves(null)).toEqual(moves('received'));
    expect(moves('archived')).toEqual([]);
  });

  it('names the reviewer without calling a user a device', () => {
    expect(reviewerLabel('center:U-CLERK')).toBe('中心：U-CLERK');
    expect(reviewerLabel('U-CLERK')).toBe('U-CLERK');
    expect(reviewerLabel(null)).toBe('—');
    expect(reviewerLabel('center:U-CLERK', '王芳')).toBe('王芳');
  });

  it('requires a note to return a case, and only then', () => {
    const [accept, ret] = reviewActions('under_review');
    expect(canSubmit(accept, '')).toBe(true);
    expect(canSubmit(ret, '')).toBe(false);
    expect(canSubmit(ret, '   \n')).toBe(false);
    expect(canSubmit(ret, '缺少采样照片')).toBe(true);
  });
});
