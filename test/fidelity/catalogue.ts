/**
 * The behaviour catalogue (docs/fidelity.md): per client, each way it applies its settings, with the
 * real client's source and the differential cases that prove tailgate's preset does the same (or why it
 * does not). Rows of clients that run here name harness cases (case × client, cases*.ts); rows of
 * clients that cannot run here say so and name what proves them instead.
 */
import type { Client } from './case-kit.js';
import { NODE_ROWS } from './catalogue-node.js';
import { PYTHON_ROWS } from './catalogue-python.js';

export const TOPICS = [
  'pool limits',
  'idle connections',
  'keep-alive and hints',
  'timeouts',
  'retries',
  'HTTP/2',
  'connection fate',
  'pipelining',
  'redirects',
  'proxies',
] as const;
export type Topic = (typeof TOPICS)[number];

/** The clients of the catalogue: those the harness runs, and those proven otherwise. */
export type CatalogueClient = Exclude<Client, 'baseten-pc'> | 'openai-python' | 'baseten-recommended' | 'baseten-performance-client';

export interface CatalogueRow {
  client: CatalogueClient;
  topic: Topic;
  /** What the real client does. */
  behaviour: string;
  /** Where: file and function, with the version. */
  source: string;
  /** The harness rows that prove the preset does the same: case names, run with `harness` (default: the row's client). */
  cases: string[];
  harness?: Client;
  /** Proven another way (a unit test, the library underneath): said beside the row. */
  proof?: string;
  /** Not reproduced: why (at most five such rows, none of the five causes). */
  notReproduced?: string;
}

export const CATALOGUE: CatalogueRow[] = [...PYTHON_ROWS, ...NODE_ROWS];
