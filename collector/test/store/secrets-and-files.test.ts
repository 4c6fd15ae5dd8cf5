// Secrets stay out of output and off the disk's public side: generated tokens are printed once,
// when generated; a `?token=` never reaches the request log; the data dir is private; with
// PostgreSQL nothing is generated. All through the real `orderpulse serve`.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { dropSchema, STORE_KINDS, uniqueSchema } from '../support/test-database.ts';

/** No configured tokens: what a fresh `npm start` sees. */
const NO_TOKENS = {
  ORDERPULSE_INGEST_TOKENS: '',
  ORDERPULSE_VIEWER_TOKENS: '',
  ORDERPULSE_OPERATOR_TOKENS: '',
};

interface StoredTokens {
  [role: string]: { name: string; secret: string }[];
}

async function stop(running: RunningCollector): Promise<void> {
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
}

/** Waits for what the process prints, with a deadline of its own. */
async function until(condition: () => boolean): Promise<void> {
  await expect.poll(condition, { timeout: 60_000, interval: 25 }).toBe(true);
}

/** Every path under dir (dir itself excluded) with its permission bits. */
async function modesUnder(dir: string): Promise<{ file: string; mode: number }[]> {
  const found: { file: string; mode: number }[] = [];
  for (const entry of await fs.readdir(dir, { recursive: true })) {
    const file = path.join(dir, entry);
    found.push({ file: path.relative(dir, file), mode: (await fs.lstat(file)).mode & 0o777 });
  }
  return found;
}

describe('secrets and files of the embedded store', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it(
    'prints generated tokens on the first start only, keeps them private, and redacts ?token= in request logs',
    async () => {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'orderpulse-secrets-'));
      dirs.push(dataDir);
      // As `mkdir data` would leave it.
      await fs.chmod(dataDir, 0o755);
      const env = { ...NO_TOKENS, ORDERPULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };

      const first = await spawnCollector(env);
      const stored = JSON.parse(await fs.readFile(path.join(dataDir, 'tokens.json'), 'utf8')) as StoredTokens;
      const secrets = ['ingest', 'viewer', 'operator'].map((role) => stored[role]![0]!.secret);
      for (const secret of secrets) expect(first.output()).toContain(secret);
      expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o700);
      await stop(first);

      // At rest nothing under the data dir is readable, writable or searchable by others.
      const modes = await modesUnder(dataDir);
      expect(modes.length).toBeGreaterThan(100);
      expect(modes.filter((m) => (m.mode & 0o007) !== 0)).toEqual([]);
      expect(modes.find((m) => m.file === 'tokens.json')?.mode).toBe(0o600);

      const second = await spawnCollector({
        ...env,
        // A misspelt setting is warned about at start; a variable routes.yaml names is not.
        ORDERPULSE_REQUEST_TIMOUT: '1m',
        ORDERPULSE_DINGTALK_PAYMENTS_SECRET: 'named-by-routes-yaml',
      });
      try {
        // The log is written asynchronously, after the listening line; the names are warned
        // about in alphabetical order, so once this one is out, a wrong warning would be too.
        await until(() =>
          second
            .output()
            .includes(
              'ORDERPULSE_REQUEST_TIMOUT is set but is neither a collector setting nor named by routes.yaml, so it has no effect; did you mean ORDERPULSE_REQUEST_TIMEOUT?',
            ),
        );
        expect(second.output()).not.toContain('ORDERPULSE_DINGTALK_PAYMENTS_SECRET is set');
        const viewer = secrets[1]!;
        for (const target of [`/?token=${viewer}`, `/v1/alerts?status=firing&token=${viewer}`]) {
          await (await fetch(`${second.url}${target}`)).arrayBuffer();
        }
        await until(() => (second.output().match(/request completed/g) ?? []).length >= 2);
        expect(second.output()).toContain('token=[redacted]');
        for (const secret of secrets) expect(second.output()).not.toContain(secret);
        expect(second.output()).toContain('tokens.json');
      } finally {
        await stop(second);
      }
    },
    2 * SPAWNED_TEST_TIMEOUT_MS,
  );

  // Only PostgreSQL mode has this behaviour; it runs wherever TEST_DATABASE_URL gives one.
  if (STORE_KINDS.includes('postgres')) {
    it(
      'generates and prints nothing with PostgreSQL, and says which roles are unusable',
      async () => {
        const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'orderpulse-secrets-pg-'));
        dirs.push(dataDir);
        const schema = uniqueSchema();
        const url = process.env.TEST_DATABASE_URL!;
        const running = await spawnCollector({
          ORDERPULSE_INGEST_TOKENS: 'pos=ingest-secret-1',
          ORDERPULSE_VIEWER_TOKENS: '',
          ORDERPULSE_OPERATOR_TOKENS: '',
          ORDERPULSE_DATA_DIR: dataDir,
          DATABASE_URL: url,
          ORDERPULSE_DB_SCHEMA: schema,
        });
        try {
          await until(() => running.output().includes('unusable'));
          expect(running.output()).toMatch(/viewer.*ORDERPULSE_VIEWER_TOKENS/);
          expect(running.output()).toMatch(/operator.*ORDERPULSE_OPERATOR_TOKENS/);
          expect(running.output()).not.toMatch(/ingest.*ORDERPULSE_INGEST_TOKENS/);
          expect(running.output()).not.toMatch(/token \(/);
          await expect(fs.access(path.join(dataDir, 'tokens.json'))).rejects.toThrow();
          // An unusable role is refused, not quietly opened.
          const res = await fetch(`${running.url}/v1/alerts`, { headers: { authorization: 'Bearer ' } });
          expect(res.status).toBe(401);
        } finally {
          await stop(running);
          await dropSchema(url, schema);
        }
      },
      SPAWNED_TEST_TIMEOUT_MS,
    );
  }
});
