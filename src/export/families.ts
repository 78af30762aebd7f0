/**
 * What every exporter is given: metric families, each declared once with its OpenTelemetry name and unit,
 * from which its Prometheus name follows by the rule OpenTelemetry's Prometheus compatibility gives ('.'
 * becomes '_', the unit `s` adds `_seconds`, a counter adds `_total`). So the series read the same in
 * Prometheus whether they came by remote write, by scrape, or by OTLP through a collector.
 */

export type Labels = Readonly<Record<string, string>>;

export interface NumberPoint {
  labels: Labels;
  value: number;
}

export interface HistogramPoint {
  labels: Labels;
  /** Per bucket of buckets.ts (not cumulative), the +Inf bucket last. */
  counts: readonly number[];
  count: number;
  /** Seconds. */
  sum: number;
}

/** A family as declared: its name, meaning and unit, once. */
export interface FamilySpec {
  /** OpenTelemetry's name, e.g. `tailgate.requests`. */
  otelName: string;
  /** UCUM, as OpenTelemetry has it: `s`, or an annotation such as `{request}`. */
  unit: string;
  help: string;
}

export type Family = FamilySpec & ({ kind: 'counter' | 'gauge'; points: NumberPoint[] } | { kind: 'histogram'; points: HistogramPoint[] });

/** The family's Prometheus name (without the `_bucket`, `_sum`, `_count` of a histogram's series). */
export function prometheusName(f: Pick<Family, 'otelName' | 'unit' | 'kind'>): string {
  const base = f.otelName.replaceAll('.', '_');
  const unit = f.unit === 's' ? '_seconds' : '';
  return `${base}${unit}${f.kind === 'counter' ? '_total' : ''}`;
}

/** A counter or gauge family with one point per entry of `values` (its key as the label `key`). */
export function pointsBy(labels: Labels, key: string, values: Readonly<Record<string, number>>): NumberPoint[] {
  return Object.entries(values).map(([k, value]) => ({ labels: { ...labels, [key]: k }, value }));
}
