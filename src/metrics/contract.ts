/** The measured part of the report contract, declared with the schema kit (the report contract composes it). */
export { MAX_COUNT_NAMES, MAX_TIMELINE_ROWS, MEASURED_PROFILE, REPEATS, STREAM_SUMMARIES, TIMELINE_ROW } from './measured-contract.js';
export { ENCODED_HISTOGRAM, histogramProblem, MAX_HISTOGRAM_CHARS } from './histogram-check.js';
export { INTERVAL_SERIES, MAX_REPEAT, MAX_SERIES_INTERVALS } from './intervals.js';
export { LATENCY_SUMMARY } from './latency-summary.js';
export { COUNT, COUNT_NAME, countGroup, countsBy, orNull, PER_SECOND, SPAN_MS } from './schema-parts.js';
export { METRIC_DEFINITIONS } from './stream-meter.js';
