// The only code that talks to the Rust side. Every command's name, argument and result type
// come from the generated bindings (bindings/commands.ts, from fieldcase_core::for_each_command!),
// so a command is never typed twice. Errors always arrive as the core's {code, zh, en}: the UI
// branches on `code` and shows `zh`/`en` where the user is looking.
import type { AppError } from './bindings/AppError';
import type { CommandName, Commands } from './bindings/commands';

export type { AppError, CommandName, Commands };

/** How commands reach the core: Tauri's invoke in the app, a fake in unit tests. */
export interface Backend {
  call<K extends CommandName>(name: K, args: Commands[K]['args']): Promise<Commands[K]['result']>;
}

/** A refusal or failure from the core, thrown by `call`. */
export class CommandError extends Error {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
  constructor(e: AppError) {
    super(`[${e.code}] ${e.en}`);
    this.code = e.code;
    this.zh = e.zh;
    this.en = e.en;
  }
}

/** Anything thrown, as the core's error shape (a string from Tauri itself becomes app.ipc). */
export function asAppError(e: unknown): AppError {
  if (e instanceof CommandError) return { code: e.code, zh: e.zh, en: e.en };
  if (e && typeof e === 'object' && 'code' in e && 'zh' in e && 'en' in e) {
    const o = e as Record<string, unknown>;
    return { code: String(o.code), zh: String(o.zh), en: String(o.en) };
  }
  const text = e instanceof Error ? e.message : String(e);
  return { code: 'app.ipc', zh: text, en: text };
}

class TauriBackend implements Backend {
  async call<K extends CommandName>(name: K, args: Commands[K]['args']): Promise<Commands[K]['result']> {
    const { invoke } = await import('@tauri-apps/api/core');
    try {
      return await invoke<Commands[K]['result']>(name, { args });
    } catch (e) {
      throw new CommandError(asAppError(e));
    }
  }
}

let current: Backend = new TauriBackend();

/** Replaces the backend (unit tests install a fake). */
export function setBackend(b: Backend): void {
  current = b;
}

/** Runs one command. Throws `CommandError` when the core refuses. */
export function call<K extends CommandName>(name: K, args: Commands[K]['args']): Promise<Commands[K]['result']> {
  return current.call(name, args);
}
