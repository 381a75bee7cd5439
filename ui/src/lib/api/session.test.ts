import { describe, expect, it } from 'vitest';
import { SESSION_KEY, clearSession, isCenterRole, loadSession, saveSession } from './session';
import type { UserInfo } from './types';

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

const user = (role: string): UserInfo => ({ user_id: 'U-CLERK', name: '王芳', role, area: '3205', team: null, officer_id: null });

describe('session', () => {
  it('lets center staff and admins in, no one else', () => {
    expect(['center_staff', 'admin'].map(isCenterRole)).toEqual([true, true]);
    expect(['inspector', 'grid_worker', ''].map(isCenterRole)).toEqual([false, false, false]);
  });

  it('keeps and forgets a center session', () => {
    const store = new MemoryStorage();
    saveSession({ token: 'abc', user: user('center_staff') }, store);
    expect(loadSession(store)).toEqual({ token: 'abc', user: user('center_staff') });
    clearSession(store);
    expect(loadSession(store)).toBeNull();
  });

  it('never writes an inspector token', () => {
    const store = new MemoryStorage();
    expect(() => saveSession({ token: 'abc', user: user('inspector') }, store)).toThrow();
    expect(store.length).toBe(0);
  });

  it('ignores a stored session of another role or a damaged one', () => {
    const store = new MemoryStorage();
    store.setItem(SESSION_KEY, JSON.stringify({ token: 'abc', user: user('inspector') }));
    expect(loadSession(store)).toBeNull();
    store.setItem(SESSION_KEY, '{not json');
    expect(loadSession(store)).toBeNull();
    store.setItem(SESSION_KEY, JSON.stringify({ token: '', user: user('admin') }));
    expect(loadSession(store)).toBeNull();
  });
});
