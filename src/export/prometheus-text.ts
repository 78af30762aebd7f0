/**
 * Prometheus's text exposition format (version 0.0.4), what a scrape of --metrics-port reads. A dozen
 * lines of format, written here rather than through prom-client, whose metrics are fed one observation at
 * a time: ours arrive as whole bucket counts. Label values and help texts are escaped as the format says.
 */
import { BUCKET_BOUNDS_S } from './buckets.js';
import { prometheusName, type Family, type Labels } from './families.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labelText(labels: Labels, extra?: [string, string]): string {
  const all = extra ? [...Object.entries(labels), extra] : Object.entries(labels);
  return all.length ? `{${all.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

/** A bucket bound as the `le` label: the same text from every shard, so `sum by (le)` adds like with like. */
export function leText(bound: number): string {
  return Number.isFinite(bound) ? String(bound) : '+Inf';
}

/** Families that share a name (the same family from several sources) are written as one. */
export function prometheusText(families: readonly Family[]): string {
  const byName = new Map<string, Family[]>();
  for (const f of families) {
    const name = prometheusName(f);
    const list = byName.get(name);
    if (list) list.push(f);
    else byName.set(name, [f]);
  }
  const lines: string[] = [];
  for (const [name, group] of byName) {
    const [first] = group as [Family];
    lines.push(`# HELP ${name} ${escapeHelp(first.help)}`, `# TYPE ${name} ${first.kind}`);
    for (const f of group) {
      if (f.kind !== 'histogram') {
        for (const p of f.points) lines.push(`${name}${labelText(p.labels)} ${p.value}`);
        continue;
      }
      for (const p of f.points) {
        let cumulative = 0;
        p.counts.forEach((c, i) => {
          cumulative += c;
          lines.push(`${name}_bucket${labelText(p.labels, ['le', leText(BUCKET_BOUNDS_S[i] ?? Infinity)])} ${cumulative}`);
        });
        lines.push(`${name}_sum${labelText(p.labels)} ${p.sum}`, `${name}_count${labelText(p.labels)} ${p.count}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
