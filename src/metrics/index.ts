export { bucketCounts, type BucketCounts, countAtOrBelowMs, createHistogram, percentileUs, recordMs, summarize, encodeHistogram, decodeHistogram, type Histogram, type LatencySummary } from './histogram.js';
export { ProfileMetrics } from './profile-metrics.js';
export { LoopProbe, PROBE_PERIOD_MS } from './loop-probe.js';
export { METRIC_DEFINITIONS, StreamMeter, type MetricDefinitions, type StreamOutcome, type StreamTimings } from './stream-meter.js';
export { addMeasured, concatMeasured, delayMeasured, DEFINITION_HISTOGRAMS, GENERATOR_HISTOGRAMS, NEWER_HISTOGRAMS, type GeneratorDelay, type GeneratorHistogramName, type StreamSummaries, type Slo, type TokenCounts, HISTOGRAM_NAMES, type HistogramName, type MeasuredProfile, type ReuseIdle, type TimelineRow, type WorkRates } from './measured.js';
export { addEncoded, INTERVAL_COUNTS, INTERVAL_HISTOGRAMS, intervalWidthMs, type IntervalCountName, type IntervalHistogramName, type IntervalSeries } from './intervals.js';
export { histogramOf, METRIC_HELP, metricOf, minSamplesFor, parseMetric, percentileWithCi, sliceValue, statOf, valueOf, type DurationStat, type MetricKind, type MetricSpec, type MetricValue } from './metric-spec.js';
export { holds, parseGateExpressions, type Op, type Regression, type Threshold, type ThresholdInput } from './gate-expression.js';
export { LIVE_HISTOGRAMS, liveSample, type LiveHistogramName, type LiveRun, type LiveSample } from './live-sample.js';
