// A scripted backend for unit tests: answers per command from handlers the test gives, records
// every call, and refuses unknown commands loudly (a test never passes by silence).
import type { Backend, CommandName, Commands } from './backend';
import { CommandError } from './backend';

export type Handler<K extends CommandName> = (
  args: Commands[K]['args'],
) => Commands[K]['result'] | Promise<Commands[K]['result']>;

export type Handlers = { [K in CommandName]?: Handler<K> };

export class FakeBackend implements Backend {
  readonly calls: { name: CommandName; args: unknown }[] = [];
  constructor(private handlers: Handlers) {}

  on<K extends CommandName>(name: K, h: Handler<K>): this {
    (this.handlers as Record<string, unknown>)[name] = h;
    return this;
  }

  async call<K extends CommandName>(name: K, args: Commands[K]['args']): Promise<Commands[K]['result']> {
    this.calls.push({ name, args });
    const h = this.handlers[name] as Handler<K> | undefined;
    if (!h) throw new Error(`FakeBackend: no handler for ${name}`);
    return h(args);
  }
}

/** A refusal as the core sends it. */
export function refusal(code: string, zh: string, en: string): CommandError {
  return new CommandError({ code, zh, en });
}
