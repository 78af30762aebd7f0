export { createHistogram, recordMs, summarize, encodeHistogram, decodeHistogram, type Histogram, type LatencySummary } from './histogram.js';
export { ProfileMetrics, type TimelineRow } from './profile-metrics.js';
