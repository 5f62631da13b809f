import { ConformanceClient, ConformanceFailure } from './client.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

/** The outcome of one scenario. */
export interface ScenarioResult {
  id: string;
  title: string;
  passed: boolean;
  /** True when the server does not advertise a feature the scenario needs; then `passed` is false. */
  skipped?: boolean;
  durationMs: number;
  /** Why it failed; absent when it passed. */
  error?: string;
}

/** The outcome of a whole run. */
export interface ConformanceReport {
  url: string;
  passed: number;
  failed: number;
  /** Scenarios not run because the server does not advertise their features. */
  skipped: number;
  results: ScenarioResult[];
}

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** Base URL of the server under test, such as `http://127.0.0.1:8787`. */
  url: string;
  /** How long to wait for any one expected response or event, in ms. Default 5000. */
  timeoutMs?: number;
  /** Run only scenarios whose id contains one of these strings. */
  only?: readonly string[];
  /** Called after each scenario, for progress output. */
  onResult?: (result: ScenarioResult) => void;
  signal?: AbortSignal;
}

/**
 * Drives a live server through every conformance scenario and validates every stream it opens.
 *
 * Scenarios run one after another, each on its own conversations. A scenario fails on the first
 * behaviour that differs from protocol v1; the others still run.
 *
 * @example
 * const report = await runConformance({ url: 'http://127.0.0.1:8787' });
 * console.log(`${report.passed} passed, ${report.failed} failed`);
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const client = new ConformanceClient(options.url, timeoutMs);
  const selected = SCENARIOS.filter(
    (s) => !options.only?.length || options.only.some((o) => s.id.includes(o)),
  );
  const results: ScenarioResult[] = [];

  let capabilities;
  try {
    capabilities = await client.capabilities();
  } catch (error) {
    const reason = `the server at ${options.url} did not answer GET /v1/capabilities: ${message(error)}`;
    for (const scenario of selected) {
      const result = { id: scenario.id, title: scenario.title, passed: false, durationMs: 0, error: reason };
      results.push(result);
      options.onResult?.(result);
    }
    return report(options.url, results);
  }

  for (const scenario of selected) {
    if (options.signal?.aborted) break;
    const missing = (scenario.requires ?? []).filter((f) => !capabilities.features.includes(f));
    const result: ScenarioResult = missing.length
      ? {
          id: scenario.id,
          title: scenario.title,
          passed: false,
          skipped: true,
          durationMs: 0,
          error: `skipped: the server does not advertise ${missing.join(', ')}`,
        }
      : await runOne(scenario, client, capabilities, timeoutMs);
    results.push(result);
    options.onResult?.(result);
  }
  return report(options.url, results);
}

async function runOne(
  scenario: Scenario,
  client: ConformanceClient,
  capabilities: Awaited<ReturnType<ConformanceClient['capabilities']>>,
  timeoutMs: number,
): Promise<ScenarioResult> {
  const started = performance.now();
  const base = { id: scenario.id, title: scenario.title };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConformanceFailure(`scenario took longer than ${timeoutMs * 8} ms`)),
        timeoutMs * 8,
      );
    });
    await Promise.race([scenario.run({ client, capabilities }), limit]);
    return { ...base, passed: true, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ...base,
      passed: false,
      durationMs: Math.round(performance.now() - started),
      error: message(error),
    };
  } finally {
    clearTimeout(timer);
    client.closeAll();
  }
}

function report(url: string, results: ScenarioResult[]): ConformanceReport {
  const passed = results.filter((r) => r.passed).length;
  const skipped = results.filter((r) => r.skipped).length;
  return { url, passed, failed: results.length - passed - skipped, skipped, results };
}

function message(error: unknown): string {
  if (error instanceof ConformanceFailure) return error.message;
  if (error instanceof Error)
    return `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`;
  return String(error);
}

/** Every scenario id with its title, in run order. */
export function listScenarios(): { id: string; title: string }[] {
  return SCENARIOS.map(({ id, title }) => ({ id, title }));
}
