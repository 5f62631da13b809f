import { readdir, readFile } from 'node:fs/promises';
import type { ValidationRule } from '../validator.js';

/** One golden SSE transcript shipped with the kit. */
export interface GoldenTranscript {
  /** File name without extension, such as `handoff-resolved` or `bp004-seq-gap`. */
  name: string;
  /** `valid` transcripts pass every rule; each `invalid` one breaks exactly `rule`. */
  kind: 'valid' | 'invalid';
  /** For invalid transcripts: the rule it breaks, from its file name. */
  rule?: ValidationRule;
  /** The raw bytes as a server would send them. */
  bytes: Uint8Array;
  /** Absolute path of the file. */
  path: string;
}

const GOLDEN_DIR = new URL('../../golden/', import.meta.url);

/**
 * Loads the golden transcripts shipped in the package's `golden/` folder (Node only).
 *
 * Valid transcripts show what conforming streams look like (an answer with citations, handoffs that
 * resolve, fail, transfer or are cancelled, a sync reset); invalid ones each break one validator rule
 * and are named after it.
 */
export async function loadGoldenTranscripts(): Promise<GoldenTranscript[]> {
  const transcripts: GoldenTranscript[] = [];
  for (const kind of ['valid', 'invalid'] as const) {
    const dir = new URL(`${kind}/`, GOLDEN_DIR);
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sse')).sort()) {
      const url = new URL(file, dir);
      const name = file.slice(0, -4);
      const rule = /^(bp\d{3})-/.exec(name)?.[1]?.toUpperCase() as ValidationRule | undefined;
      transcripts.push({
        name,
        kind,
        ...(rule ? { rule } : {}),
        bytes: new Uint8Array(await readFile(url)),
        path: url.pathname,
      });
    }
  }
  return transcripts;
}
