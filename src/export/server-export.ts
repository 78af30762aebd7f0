/**
 * A server's own counts exported live, the same way a run's are: the mock's (`tailgate mock --metrics-port`,
 * `--export`), and the proxy's when it calls this with its own families. Read when pushed or scraped.
 */
import type { Family } from './families.js';
import type { LiveExportConfig } from './export-targets.js';
import { LiveExport, type ExportIo } from './live-export.js';

export async function startServerExport(config: LiveExportConfig, io: ExportIo, read: () => readonly Family[]): Promise<LiveExport> {
  const live = await LiveExport.start(config, io);
  const startMs = Date.now();
  live.addSource('server', () => ({ startMs, families: read() }));
  return live;
}
