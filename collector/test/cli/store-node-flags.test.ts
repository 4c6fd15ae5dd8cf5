// `npm start` runs node with the embedded store's flags; when it finds DATABASE_URL the launcher runs
// the collector again under PostgreSQL's. Checked on the real binary through /proc: which processes
// exist, with which flags, and that stopping the launcher stops the collector it started.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the launcher, typed by the checks below
import { EMBEDDED_NODE_FLAGS, POSTGRES_NODE_FLAGS } from '../../../bin/store-node-flags.js';
import { templateDataDir } from '../support/pglite-template.ts';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { dropSchema, uniqueSchema } from '../support/test-database.ts';

const embeddedFlags = EMBEDDED_NODE_FLAGS as string[];
const postgresFlags = POSTGRES_NODE_FLAGS as string[];

/** The node options a process was started with: its command line up to the script. */
function nodeFlagsOf(pid: number): string[] {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  return argv.slice(
    1,
    argv.findIndex((arg) => arg.endsWith('orderpulse.js')),
  );
}

function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const running: RunningCollector[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const collector of running.splice(0)) {
    const pid = collector.child.pid!;
    if (!alive(pid)) continue;
    for (const child of childrenOf(pid)) process.kill(child, 'SIGKILL');
    collector.child.kill('SIGKILL');
    await collector.exited;
  }
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function postgresEnv(): Promise<NodeJS.ProcessEnv> {
  const url = process.env.TEST_DATABASE_URL!;
  const schema = uniqueSchema();
  cleanups.push(() => dropSchema(url, schema));
  return { DATABASE_URL: url, ORDERPULSE_DB_SCHEMA: schema };
}

describe('the node flags of `npm start`', () => {
  it('differ between the stores: a smaller young generation and one V8 thread for the embedded one', () => {
    expect(embeddedFlags).toContain('--v8-pool-size=1');
    expect(embeddedFlags).toContain('--max-semi-space-size=4');
    expect(postgresFlags).toEqual(['--max-semi-space-size=32']);
    const scripts = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
      .scripts as Record<string, string>;
    expect(scripts.start).toBe(`node ${embeddedFlags.join(' ')} bin/orderpulse.js serve`);
    expect(scripts.demo).toBe(`node ${embeddedFlags.join(' ')} bin/orderpulse.js demo`);
  });

  it(
    'keep the embedded store in the process npm started, with no second collector',
    async () => {
      const dataDir = await templateDataDir('orderpulse-node-flags-');
      cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
      const collector = await spawnCollector(
        { npm_lifecycle_event: 'start', DATABASE_URL: '', ORDERPULSE_DATA_DIR: dataDir },
        { nodeFlags: embeddedFlags },
      );
      running.push(collector);
      const pid = collector.child.pid!;
      expect(nodeFlagsOf(pid)).toEqual(embeddedFlags);
      expect(childrenOf(pid)).toEqual([]);
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it.runIf(process.env.TEST_DATABASE_URL)(
    "run a PostgreSQL collector again under PostgreSQL's flags, and stop it with the launcher",
    async () => {
      const collector = await spawnCollector(
        { npm_lifecycle_event: 'start', ...(await postgresEnv()) },
        { nodeFlags: embeddedFlags },
      );
      running.push(collector);
      const launcher = collector.child.pid!;
      const children = childrenOf(launcher);
      expect(children).toHaveLength(1);
      const serving = children[0]!;
      expect(nodeFlagsOf(serving)).toEqual(postgresFlags);
      expect(childrenOf(serving)).toEqual([]);
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);

      // SIGTERM is what npm passes on: the collector drains and exits 0, and so does the launcher.
      collector.child.kill('SIGTERM');
      expect(await collector.exited).toBe(0);
      expect(alive(serving)).toBe(false);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it.runIf(process.env.TEST_DATABASE_URL)(
    'stop the collector when its launcher is killed outright',
    async () => {
      const collector = await spawnCollector(
        { npm_lifecycle_event: 'start', ...(await postgresEnv()) },
        { nodeFlags: embeddedFlags },
      );
      running.push(collector);
      const [serving] = childrenOf(collector.child.pid!);
      expect(serving).toBeDefined();
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);

      // SIGKILL cannot be forwarded; the collector learns of it from its closed channel.
      collector.child.kill('SIGKILL');
      await collector.exited;
      await expect.poll(() => alive(serving!)).toBe(false);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it.runIf(process.env.TEST_DATABASE_URL)(
    'leave any other launch as it was started, even with the same flags',
    async () => {
      const collector = await spawnCollector(
        { npm_lifecycle_event: 'test', ...(await postgresEnv()) },
        { nodeFlags: embeddedFlags },
      );
      running.push(collector);
      const pid = collector.child.pid!;
      expect(nodeFlagsOf(pid)).toEqual(embeddedFlags);
      expect(childrenOf(pid)).toEqual([]);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );
});
