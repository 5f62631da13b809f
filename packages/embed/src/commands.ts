// window.Baton(command, ...args): the command API of the script tag, fed by the page's queue stub.
import type { BatonEmbed } from './embed.js';

/** The commands `window.Baton` understands. */
export type BatonCommand = 'open' | 'close' | 'toggle' | 'identify' | 'send' | 'on' | 'off' | 'shutdown';

/**
 * `window.Baton`: the page's queue stub until baton.js runs (calls kept in `q`), then the real command
 * function, which returns a promise that settles once the command ran.
 */
export interface BatonFunction {
  (command: BatonCommand, ...args: unknown[]): Promise<void> | void;
  /** Calls made before baton.js ran, as kept by the queue stub. */
  q?: ArrayLike<unknown>[];
}

declare global {
  interface Window {
    Baton?: BatonFunction;
  }
}

const BRAND = Symbol.for('baton.embed.commands');

/** True when `fn` is a command function installed by {@link installCommands} (from any copy of the embed). */
export function isInstalled(fn: unknown): boolean {
  return typeof fn === 'function' && BRAND in fn;
}

/** Runs one command on the embed; an unknown command or bad arguments are reported on the console. */
export function runCommand(
  baton: BatonEmbed,
  command: unknown,
  args: readonly unknown[],
): Promise<void> | void {
  switch (command) {
    case 'open':
    case 'close':
    case 'toggle':
      return baton[command]();
    case 'shutdown':
      return baton.shutdown();
    case 'identify':
      return baton.identify(args[0] as never);
    case 'send':
      return baton.send(args[0] as never);
    case 'on':
    case 'off':
      return baton[command](args[0] as never, args[1] as never);
  }
  console.error(
    `Baton: unknown command ${JSON.stringify(command)}; use open, close, toggle, identify, send, on, off or shutdown.`,
  );
}

/**
 * Installs `target.Baton` as the command function of `baton`, after running, in order, the calls the
 * queue stub kept in `target.Baton.q`.
 *
 * @example
 * ```ts
 * installCommands(createBaton({ server, load }));
 * window.Baton?.('open');
 * ```
 */
export function installCommands(baton: BatonEmbed, target: Window = window): BatonFunction {
  const queued = Array.from(target.Baton?.q ?? []);
  const api = Object.assign((command: BatonCommand, ...args: unknown[]) => runCommand(baton, command, args), {
    [BRAND]: true,
  });
  target.Baton = api;
  for (const call of queued) {
    const [command, ...args] = Array.from(call);
    void runCommand(baton, command, args);
  }
  return api;
}
