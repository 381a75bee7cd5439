// Which review moves a case offers, per its current state (the server enforces the same table;
// the page offers only legal moves so a clerk never meets an avoidable refusal).
import type { MessageKey } from '../lib/i18n';
import { originLabel } from './conflicts';
import type { ReviewState } from '../lib/api/types';

export interface ReviewAction {
  /** The state the case moves to. */
  to: ReviewState;
  label: MessageKey;
  /** Returning a case must say why: the field team reads the note. */
  needsNote: boolean;
  tone: 'primary' | 'danger' | 'normal';
}

export function reviewActions(state: string | null | undefined): ReviewAction[] {
  switch (state ?? 'received') {
    case 'received':
      return [{ to: 'under_review', label: 'review.action.under_review', needsNote: false, tone: 'primary' }];
    case 'under_review':
      return [
        { to: 'accepted', label: 'review.action.accepted', needsNote: false, tone: 'primary' },
        { to: 'returned', label: 'review.action.returned', needsNote: true, tone: 'danger' },
      ];
    case 'returned':
      return [{ to: 'under_review', label: 'review.action.reopen', needsNote: false, tone: 'normal' }];
    default:
      // accepted is final; an unknown state from a newer server offers nothing rather than guess.
      return [];
  }
}

/** Who made a review move: the reviewer's name when the server knows it, else `center:<user id>`
 *  as an origin label; a bare id is shown as it is. */
export function reviewerLabel(by: string | null | undefined, name?: string | null): string {
  if (name) return name;
  if (!by) return '—';
  return by.startsWith('center:') ? originLabel(by) : by;
}

/** Whether the action can be sent with this note (a whitespace-only note is no note). */
export function canSubmit(action: ReviewAction, note: string): boolean {
  return !action.needsNote || note.trim().length > 0;
}
