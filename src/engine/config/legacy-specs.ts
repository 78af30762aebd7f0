/**
 * The option table tailgate exported before the schema kit (`OPTION_SPECS`), derived from the one
 * declaration so that scripts reading it keep working. New code reads CLIENT_CONFIG, a JSON Schema.
 */
import { CLIENT_CONFIG } from './options.js';

/** @deprecated The old shape of an option's rule; read CLIENT_CONFIG instead. */
export type Spec =
  | { kind: 'int'; min: number; max: number; nullable?: boolean; doc: string }
  | { kind: 'ms'; min: number; max: number; doc: string }
  | { kind: 'enum'; values: readonly (string | number)[]; doc: string }
  | { kind: 'bool'; doc: string }
  | { kind: 'url'; nullable: true; doc: string }
  | { kind: 'string'; nullable: true; doc: string }
  | { kind: 'headers'; doc: string }
  | { kind: 'ports'; doc: string };

type Json = Record<string, unknown>;

function specOf(path: string, s: Json): Spec {
  const doc = String(s.description ?? '');
  const branches = (s.anyOf as Json[] | undefined) ?? [s];
  const main = branches.find((b) => b.type !== 'null') ?? s;
  const nullable = branches.length > 1;
  if (path === 'pool.localPorts') return { kind: 'ports', doc };
  if (path === 'headers') return { kind: 'headers', doc };
  if (Array.isArray(s.enum)) return { kind: 'enum', values: s.enum as (string | number)[], doc };
  if (main.type === 'boolean') return { kind: 'bool', doc };
  if (main.type === 'integer') {
    const [min, max] = [main.minimum as number, main.maximum as number];
    return path.startsWith('timeouts.') ? { kind: 'ms', min, max, doc } : { kind: 'int', min, max, ...(nullable ? { nullable: true } : {}), doc };
  }
  return { kind: path === 'proxy' ? 'url' : 'string', nullable: true, doc };
}

/** @deprecated Each option's range and doc by path ('pool.connections'); read CLIENT_CONFIG, the declaration. */
export const OPTION_SPECS: Record<string, Spec> = Object.fromEntries(
  Object.entries(CLIENT_CONFIG.properties).flatMap(([key, schema]) => {
    const s = schema as unknown as Json;
    const props = s.type === 'object' ? (s.properties as Record<string, Json>) : null;
    return props ? Object.entries(props).map(([k, p]) => [`${key}.${k}`, specOf(`${key}.${k}`, p)]) : [[key, specOf(key, s)]];
  }),
);
