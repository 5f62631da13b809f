import { uuidv7 } from '@baton-chat/protocol';

/** A new server-made id: `prefix_` and a UUIDv7 without dashes (time-ordered). */
export function newId(prefix: string): string {
  return `${prefix}_${uuidv7().replaceAll('-', '')}`;
}
