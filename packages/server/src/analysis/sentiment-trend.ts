/** Which way a customer's sentiment is going. */
export type SentimentTrend = 'improving' | 'steady' | 'worsening';

/** Slope (score per message) from which a trend counts as improving or worsening. */
const SLOPE_THRESHOLD = 0.1;

/**
 * Reads the direction of a sentiment history (one score per user message, oldest first).
 *
 * Fits a least-squares line through the last `window` scores (default 4): a slope of -0.1 per message
 * or steeper is `worsening`, +0.1 or steeper is `improving`, anything else (and fewer than two scores)
 * is `steady`. So 0.1, -0.2, -0.6 is worsening and 0.2, 0.1, 0.2 is steady.
 */
export function sentimentTrend(history: readonly number[], window = 4): SentimentTrend {
  const slope = sentimentSlope(history, window);
  if (slope <= -SLOPE_THRESHOLD) return 'worsening';
  if (slope >= SLOPE_THRESHOLD) return 'improving';
  return 'steady';
}

/** Least-squares slope of the last `window` scores; 0 for fewer than two. */
function sentimentSlope(history: readonly number[], window: number): number {
  const recent = history.slice(-Math.max(2, Math.floor(window)));
  const count = recent.length;
  if (count < 2) return 0;
  const meanX = (count - 1) / 2;
  const meanY = recent.reduce((sum, score) => sum + score, 0) / count;
  let numerator = 0;
  let denominator = 0;
  recent.forEach((score, index) => {
    numerator += (index - meanX) * (score - meanY);
    denominator += (index - meanX) ** 2;
  });
  return numerator / denominator;
}
