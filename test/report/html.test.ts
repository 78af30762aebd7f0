import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderHtml, runGate, withFindings } from '../../src/report/index.js';
import { makeReport } from '../helpers/report-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs Debian's chromium (.ci/run); a developer machine without it skips this file.
const haveChromium = existsSync(CHROMIUM) || process.env.CI === 'true';

describe.skipIf(!haveChromium)('HTML report in headless Chromium', () => {
  it('draws its plots with no console errors, no network requests, and escapes everything it did not write', async () => {
    const report = withFindings(await makeReport());
    const checks = runGate(report, { thresholds: ['p(99)<1s', 'error_rate<1%'], maxRegression: [] });
    const html = renderHtml(report, checks);
    expect(html).not.toContain('<script>window.pwned');
    expect(html).not.toContain('<img src=x');
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-html-'));
    const file = join(dir, 'report.html');
    await writeFile(file, html);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
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
      await page.waitForSelector('body[data-charts-drawn="5"]', { timeout: 10_000 });
      const canvases = await page.evaluate(() =>
        Array.from(document.querySelectorAll('canvas')).map((c) => {
          const ctx = (c as HTMLCanvasElement).getContext('2d')!;
          const { data } = ctx.getImageData(0, 0, c.width, c.height);
          let inked = 0;
          for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) inked++;
          return inked;
        }),
      );
      expect(canvases).toHaveLength(5);
      for (const inked of canvases) expect(inked).toBeGreaterThan(500);
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(3); // data, uPlot, the drawing code
      // The hostile text is shown as text.
      expect(await page.locator('summary', { hasText: '<script>window.pwned = 1</script>' }).count()).toBe(1);
      expect(await page.locator('tr.fail, tr.pass, tr.inconclusive').count()).toBe(checks.length);
    } finally {
      await browser.close();
    }
  });
});
