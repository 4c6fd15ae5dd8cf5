// Built-in rule parameters as people read them: `limitMs: 120000` → `limit: 2 min`, empty scopes
// left out. Pure.
import { formatDuration } from './duration.ts';
import type { Translate } from './i18n.ts';

function value(key: string, v: unknown, t: Translate): string {
  if (key.endsWith('Ms') && typeof v === 'number') return formatDuration(v, t);
  if (key.endsWith('Ms') && v && typeof v === 'object' && !Array.isArray(v))
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k} ${typeof x === 'number' ? formatDuration(x, t) : String(x)}`)
      .join(', ');
  if (Array.isArray(v)) return v.join(', ');
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function describeParams(params: Record<string, unknown>, t: Translate): string[] {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(params)) {
    if (key === 'scope' && v && typeof v === 'object') {
      const scope = v as { stores?: string[]; excludeStores?: string[] };
      if (scope.stores?.length) lines.push(`stores: ${scope.stores.join(', ')}`);
      if (scope.excludeStores?.length) lines.push(`excludeStores: ${scope.excludeStores.join(', ')}`);
      continue;
    }
    const name = key.endsWith('Ms') ? key.slice(0, -2) : key;
    lines.push(`${name}: ${value(key, v, t)}`);
  }
  return lines;
}
