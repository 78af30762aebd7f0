export { createHistogram, recordMs, summarize, encodeHistogram, decodeHistogram, type Histogram, type LatencySummary } from './histogram.js';
export { ProfileMetrics } from './profile-metrics.js';
export { addMeasured, HISTOGRAM_NAMES, type HistogramName, type MeasuredProfile, type TimelineRow } from './measured.js';
