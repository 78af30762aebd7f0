import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartData, judgeFixes, renderHtml, runGate, withFindings } from '../../src/report/index.js';
import type { Report } from '../../src/runner/index.js';
import { makeReport, makeStreamReport } from '../helpers/report-fixture.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

// Debian's chromium: npm test's pretest (scripts/test-packages.sh) installs it or stops before any test runs.
const CHROMIUM = '/usr/bin/chromium';

interface Opened {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

/** What a chart drew: its series' labels and data, as uPlot holds them in the page. */
interface Drawn {
  labels: string[];
  data: (number | null)[][];
}

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => browser?.close());

  async function open(html: string, charts: number): Promise<Opened> {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-html-'));
    const file = join(dir, 'report.html');
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
    await page.waitForSelector(`body[data-charts-drawn="${charts}"]`, { timeout: 10_000 });
    const inked = await page.evaluate(() =>
      Array.from(document.querySelectorAll('canvas')).map((c) => {
        const { data } = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
        return n;
      }),
    );
    expect(inked).toHaveLength(charts);
    for (const n of inked) expect(n).toBeGreaterThan(500);
    return { page, consoleErrors, requests };
  }

  const drawn = (page: Page, id: string) =>
    page.evaluate((chartId) => {
      const u = (window as unknown as { tailgateCharts: { root: HTMLElement; series: { label: string }[]; data: (number | null)[][] }[] }).tailgateCharts.find((c) => c.root.parentElement?.id === chartId)!;
      return { labels: u.series.map((s) => s.label), data: u.data } as Drawn;
    }, id);
  const sum = (xs: (number | null)[] | undefined) => (xs ?? []).reduce((t: number, v) => t + (v ?? 0), 0);

  /** Pale red pixels (a fault window's band, not a red line) in a vertical strip of the throughput chart at time t. */
  const bandPixelsAt = (page: Page, t: number) =>
    page.evaluate((at) => {
      const u = (window as unknown as { tailgateCharts: { root: HTMLElement; ctx: CanvasRenderingContext2D; bbox: { top: number; height: number }; valToPos(v: number, s: string, c: boolean): number }[] }).tailgateCharts.find(
        (c) => c.root.parentElement?.id === 'chart-throughput',
      )!;
      const x = Math.round(u.valToPos(at, 'x', true));
      let pale = 0;
      for (let i = 1; i <= 20; i++) {
        const [r, g, b, a] = u.ctx.getImageData(x, Math.round(u.bbox.top + (u.bbox.height * i) / 21), 1, 1).data as unknown as number[];
        // A band is translucent red (the canvas has no background of its own); a line is opaque.
        if ((a as number) > 10 && (a as number) < 200 && (r as number) > 2 * (g as number) && Math.abs((g as number) - (b as number)) < 8) pale++;
      }
      return pale;
    }, t);

  it('draws its plots with no console errors, no network requests, and escapes everything it did not write', async () => {
    const measured = withFindings(await makeReport());
    const report: Report = { ...measured, verification: [judgeFixes(measured.profiles[2]!, measured.profiles[2]!)] };
    const checks = runGate(report, { thresholds: ['p(99)<1s', 'error_rate<1%'], maxRegression: [] });
    const html = renderHtml(report, checks);
    expect(html).not.toContain('<script>window.pwned');
    expect(html).not.toContain('<img src=x');
    const { page, consoleErrors, requests } = await open(html, 5);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3); // data, uPlot, the drawing code
    // The hostile text is shown as text.
    expect(await page.locator('summary', { hasText: '<script>window.pwned = 1</script>' }).count()).toBe(1);
    expect(await page.locator('tr.fail, tr.pass, tr.inconclusive').count()).toBe(checks.length);
    expect(await page.locator('table.verification').count()).toBe(1);
  }, 60_000);

  it('shows offered, ok over the work, late and every status; plots ok and failed apart, race losers not as failures, and marks the load end, drain and fault windows', async () => {
    const report = withFindings(await makeReport());
    const { page } = await open(renderHtml(report), 5);
    const head = await page.locator('table.summary th').allTextContents();
    expect(head).toEqual(expect.arrayContaining(['late', 'statuses', 'req/s offered · ok (work)']));
    const column = (name: string) => head.indexOf(name) + 1;
    for (const [i, p] of report.profiles.entries()) {
      const row = page.locator('table.summary tbody tr').nth(i);
      const statuses = await row.locator(`td:nth-child(${column('statuses')})`).textContent();
      for (const [code, n] of Object.entries(p.statuses)) expect(statuses).toContain(`${code} ${n}`);
      expect(await row.locator(`td:nth-child(${column('late')})`).textContent()).toBe(String(p.requests.late));
      expect(await row.locator(`td:nth-child(${column('req/s offered · ok (work)')})`).textContent()).toMatch(/^[\d.]+\/s · [\d.]+\/s in [\d.]+ s$/);
    }
    // Throughput: every OK answer and every failure, each in its own series (the 503s after 1 s dip the ok line).
    const throughput = await drawn(page, 'chart-throughput');
    report.profiles.forEach((p, i) => {
      expect(throughput.labels[1 + i]).toBe(`${p.name} ok`);
      expect(sum(throughput.data[1 + i]), `${p.name}: ok drawn`).toBe(p.requests.ok);
      expect(sum(throughput.data[1 + report.profiles.length + i]), `${p.name}: failed drawn`).toBe(p.requests.failed);
    });
    expect(report.profiles.every((p) => p.requests.failed > 0)).toBe(true);
    // The hedged profile lost races: counted apart, and not drawn as failed attempts.
    const hedged = report.profiles[2]!;
    expect(hedged.lostRaces).toBeGreaterThan(0);
    expect(await page.locator('table.summary tbody tr').nth(2).textContent()).toContain(`(${hedged.lostRaces} lost)`);
    const errors = await drawn(page, 'chart-errors');
    expect(errors.labels.some((l) => l.includes('cancelled'))).toBe(false);
    // The fault window (the phase that turned on 503s) is a band; before it, none.
    const window = report.profiles[0]!.phases.find((ph) => ph.faults)!;
    expect(window.t).toBeGreaterThan(0.5);
    const loadEnd = report.profiles[0]!.loadWindowMs / 1000;
    expect(await bandPixelsAt(page, (window.t + loadEnd) / 2)).toBeGreaterThanOrEqual(10);
    expect(await bandPixelsAt(page, window.t / 2)).toBeLessThanOrEqual(2);
  }, 60_000);

  it('streams: TTFT and ITL spectra and their p50/p99 over time', async () => {
    const report = withFindings(await makeStreamReport());
    const { page, consoleErrors } = await open(renderHtml(report), 9);
    expect(consoleErrors).toEqual([]);
    const ttft = await drawn(page, 'chart-ttft');
    const p50s = (ttft.data[1] ?? []).filter((v): v is number => v !== null);
    expect(p50s.length).toBeGreaterThanOrEqual(2);
    // The mock's first token comes after 40 ms: no interval's median can be earlier.
    for (const v of p50s) expect(v).toBeGreaterThanOrEqual(40);
    const spectrum = await drawn(page, 'chart-itl-spectrum');
    // Its top is the longest gap, to HDR's precision (3 significant digits).
    const top = Math.max(...(spectrum.data[1] ?? []).filter((v): v is number => v !== null));
    expect(Math.abs(top / report.profiles[0]!.itlMs!.max - 1)).toBeLessThan(0.002);
  }, 60_000);
});

describe('chart data of an older report', () => {
  it("counts a race's losers per second among the failures (as reports before lostRaces did): they are not drawn as failed", () => {
    const p = syntheticProfile('old', { dist: 'fixed', ms: 20 }, 100, 1);
    const older = { ...p, lostRaces: undefined, timeline: p.timeline.map((r) => ({ ...r, errorsByCode: { cancelled: 7, http_5xx: 1 } })) };
    const data = chartData(syntheticReport([older]));
    expect(data.errors.series.map((x) => x.label)).toEqual(['old: http_5xx']);
  });
});
