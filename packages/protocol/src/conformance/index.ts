export { runConformance, listScenarios } from './runner.js';
export type { ConformanceOptions, ConformanceReport, ScenarioResult } from './runner.js';
export { SCENARIOS } from './scenarios.js';
export type { Scenario, ScenarioContext } from './scenarios.js';
export { ConformanceClient, ConformanceFailure, check, checkEqual, deepEqual } from './client.js';
export type { ApiResponse, RecordedStream, RequestOptions, TestConversation } from './client.js';
export { loadGoldenTranscripts } from './golden.js';
export type { GoldenTranscript } from './golden.js';
