import { BatonError } from '../errors.js';

/** A range of whole UTC days, both ends included, as the insights endpoints take it. */
export interface DayRange {
  /** First day, `YYYY-MM-DD`. */
  from: string;
  /** Last day, `YYYY-MM-DD`. */
  to: string;
  /** Start of `from` as an ISO timestamp (inclusive). */
  startIso: string;
  /** Start of the day after `to` as an ISO timestamp (exclusive). */
  endIso: string;
}

/** The longest range accepted, in days. */
export const MAX_RANGE_DAYS = 366;
/** The range used when none is given: the last 7 days, today included. */
export const DEFAULT_RANGE_DAYS = 7;

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayOf(value: string, name: string): number {
  const match = DATE.exec(value);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  // Date.UTC rolls 2026-02-30 over to March: a real date formats back to itself.
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw new BatonError('validation-failed', `${name} must be a date as YYYY-MM-DD (UTC), got "${value}".`);
  return ms;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Reads `from` and `to` (`YYYY-MM-DD`, UTC, both included). Either may be left out: `to` defaults to
 * today and `from` to 6 days before `to`. Throws `validation-failed` when a date is malformed, when
 * `from` is after `to`, or when the range is longer than {@link MAX_RANGE_DAYS} days.
 */
export function parseDayRange(
  from: string | undefined,
  to: string | undefined,
  now: number = Date.now(),
): DayRange {
  const toMs = to === undefined || to === '' ? Math.floor(now / DAY_MS) * DAY_MS : dayOf(to, 'to');
  const fromMs =
    from === undefined || from === '' ? toMs - (DEFAULT_RANGE_DAYS - 1) * DAY_MS : dayOf(from, 'from');
  if (fromMs > toMs) throw new BatonError('validation-failed', 'from must be on or before to.');
  const days = (toMs - fromMs) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS)
    throw new BatonError(
      'validation-failed',
      `The range is ${days} days; ask for at most ${MAX_RANGE_DAYS} days at a time.`,
    );
  return {
    from: iso(fromMs).slice(0, 10),
    to: iso(toMs).slice(0, 10),
    startIso: iso(fromMs),
    endIso: iso(toMs + DAY_MS),
  };
}
