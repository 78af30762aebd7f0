/**
 * Live export to Prometheus (remote write, scrape) and OpenTelemetry (OTLP/HTTP): docs/export.md. The
 * encoders (otlp.ts, remote-write.ts) are not re-exported here: they load only when a target needs them.
 */
export { BUCKET_BOUNDS_S, BUCKET_BOUNDS_US, NATIVE_SCHEMA, nativeBuckets } from './buckets.js';
export { prometheusName, type Family, type FamilySpec, type HistogramPoint, type Labels, type NumberPoint } from './families.js';
export { DEFAULT_LINGER, EXPORT_KINDS, exportsAnything, parseExportConfig, type ExportKind, type ExportTarget, type LiveExportConfig, type Listen } from './export-targets.js';
export { LiveExport, PUSH_EVERY_MS, type ExportIo } from './live-export.js';
export { mockFamilies, MOCK_FAMILIES } from './mock-families.js';
export { prometheusText } from './prometheus-text.js';
export { RUN_FAMILIES, RUN_HISTOGRAMS, runFamilies, runLabels } from './run-families.js';
export { startServerExport } from './server-export.js';
export type { Snapshot, Source } from './snapshot.js';
