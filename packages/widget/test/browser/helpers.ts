// Shared by the widget's browser tests: axe-core, frames, and handoff snapshots.
import type { ChatSnapshot } from '@baton-chat/core';

type AxeResults = { violations: { id: string; nodes: { target: unknown }[] }[] };
let axeLoaded: Promise<void> | undefined;

/** axe-core violations inside `context` (its shadow root included), after finite animations end. */
export async function axeViolations(context: Element): Promise<string[]> {
  axeLoaded ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('axe-core did not load'));
    document.head.append(script);
  });
  await axeLoaded;
  const finite = (context.shadowRoot ?? context).getAnimations({ subtree: true });
  await Promise.all(
    finite.filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished),
  );
  const axe = (window as unknown as { axe: { run(c: Element): Promise<AxeResults> } }).axe;
  const results = await axe.run(context);
  return results.violations.map((v) => `${v.id} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

/** Resolves after `n` animation frames (layout, ResizeObserver and scroll work done). */
export async function frames(n = 2): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(r));
}

type Handoff = NonNullable<ChatSnapshot['handoff']>;

/** A handoff snapshot in `state`, updated now unless `extra` says otherwise. */
export function handoff(state: Handoff['state'], extra: Partial<Handoff> = {}): Handoff {
  const now = new Date().toISOString();
  return {
    id: 'ho1',
    state,
    version: 1,
    reason: 'user_requested',
    requestedBy: 'user',
    createdAt: now,
    updatedAt: now,
    ...extra,
  } as Handoff;
}
