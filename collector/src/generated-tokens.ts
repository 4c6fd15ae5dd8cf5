// With no tokens configured, the collector makes one of each role once and keeps them in the data
// dir, so a fresh `npm start` is usable at once and restarts keep the same secrets.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config, TokenEntry } from './config.ts';

type Tokens = Config['tokens'];

export const TOKENS_FILE = 'tokens.json';

const make = (name: string): TokenEntry[] => [{ name, secret: randomBytes(18).toString('base64url') }];

/** Fills each role that has no configured token from `<dataDir>/tokens.json`, creating it if needed. */
export async function withGeneratedTokens(
  config: Config,
): Promise<{ config: Config; generated: Partial<Tokens> }> {
  const missing = (['ingest', 'viewer', 'operator'] as const).filter(
    (role) => config.tokens[role].length === 0,
  );
  if (missing.length === 0) return { config, generated: {} };
  const file = path.join(config.dataDir, TOKENS_FILE);
  let stored: Partial<Tokens> = {};
  try {
    stored = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Tokens>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated: Partial<Tokens> = {};
  let changed = false;
  for (const role of missing) {
    if (!stored[role]?.length) {
      stored[role] = make(role === 'ingest' ? 'default' : role);
      changed = true;
    }
    generated[role] = stored[role];
  }
  if (changed) {
    await fs.mkdir(config.dataDir, { recursive: true });
    await fs.writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  const tokens = { ...config.tokens, ...generated } as Tokens;
  return { config: Object.freeze({ ...config, tokens }), generated };
}
