// The collector runs from a bundle of its sources (bin/collector-bundle.js). Checked on a small
// project of the same layout in a temporary directory: what the bundle runs, when it counts as built
// from the sources as they are, the rebuild at start and the fallback to the sources. Then the real
// binary on PostgreSQL, where a bill is parsed on a worker thread started from its own bundle.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the launcher, typed by the checks below
import * as bundle from '../../../bin/collector-bundle.js';
import { SPAWNED_TEST_TIMEOUT_MS, spawnCollector } from '../support/spawn-collector.ts';
import { dropSchema, uniqueSchema } from '../support/test-database.ts';
import { TOKENS } from '../support/test-tokens.ts';

const { buildBundle, bundleIsCurrent, collectorEntry, currentBundle } = bundle as {
  buildBundle: (root: string) => Promise<string>;
  bundleIsCurrent: (root: string) => boolean;
  currentBundle: (name: string, root: string) => string | undefined;
  collectorEntry: (root: string, warn: (line: string) => void) => Promise<{ url: string; bundled: boolean }>;
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A project laid out as the repository: an entry whose import reads a file beside its own source. */
function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'orderpulse-bundle-'));
  roots.push(root);
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write(
    'collector/src/cli/main.ts',
    "import { greeting } from '../store/greeting.ts';\nexport const main = (): string => greeting();\n",
  );
  write(
    'collector/src/store/greeting.ts',
    "import { readFileSync } from 'node:fs';\nexport const greeting = (): string => readFileSync(new URL('./greeting.txt', import.meta.url), 'utf8');\n",
  );
  write('collector/src/store/greeting.txt', 'from beside the source');
  write(
    'collector/src/reconciliation/bill-stage-worker.ts',
    "import { greeting } from '../store/greeting.ts';\nexport const worker = (): string => 'worker: ' + greeting();\n",
  );
  return root;
}

async function run(url: string, exported = 'main'): Promise<string> {
  // a new query each time: the module cache would otherwise return the first build
  const module = await import(`${url}?${Math.random()}`);
  return module[exported]();
}

describe('the collector bundle', () => {
  it('runs the sources, each finding the files beside it as it would unbundled', async () => {
    const root = project();
    expect(bundleIsCurrent(root)).toBe(false);
    const built = await buildBundle(root);
    expect(path.relative(root, built)).toBe(path.join('collector', 'dist', 'orderpulse.mjs'));
    expect(bundleIsCurrent(root)).toBe(true);
    expect(await run(pathToFileURL(built).href)).toBe('from beside the source');
    // the parse thread's own bundle, beside it
    const worker = currentBundle('bill-stage-worker', root);
    expect(worker).toBe(pathToFileURL(path.join(root, 'collector/dist/bill-stage-worker.mjs')).href);
    expect(await run(worker!, 'worker')).toBe('worker: from beside the source');
    // the source map names the TypeScript, for `node --enable-source-maps`
    const map = JSON.parse(readFileSync(`${built}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../src/store/greeting.ts');
  });

  it('is no longer current once a source it was built from changes or is gone', async () => {
    const root = project();
    await buildBundle(root);
    writeFileSync(path.join(root, 'collector/src/store/greeting.txt'), 'not a source: no rebuild');
    expect(bundleIsCurrent(root)).toBe(true);

    const greeting = path.join(root, 'collector/src/store/greeting.ts');
    writeFileSync(greeting, `${readFileSync(greeting, 'utf8')}// edited\n`);
    expect(bundleIsCurrent(root)).toBe(false);
    await buildBundle(root);
    expect(bundleIsCurrent(root)).toBe(true);

    rmSync(greeting);
    expect(bundleIsCurrent(root)).toBe(false);
    expect(currentBundle('bill-stage-worker', root)).toBeUndefined();
  });

  it('is built again at start when stale, so a start runs the sources as they are now', async () => {
    const root = project();
    await buildBundle(root);
    writeFileSync(
      path.join(root, 'collector/src/cli/main.ts'),
      "export const main = (): string => 'edited after the build';\n",
    );
    const warnings: string[] = [];
    const entry = await collectorEntry(root, (line) => warnings.push(line));
    expect(entry.bundled).toBe(true);
    expect(bundleIsCurrent(root)).toBe(true);
    expect(await run(entry.url)).toBe('edited after the build');
    expect(warnings).toEqual([]);
  });

  it('runs the TypeScript sources, saying why, when no bundle can be written', async () => {
    const root = project();
    // a file where the bundle's directory would be: nothing can be written there
    writeFileSync(path.join(root, 'collector/dist'), '');
    const warnings: string[] = [];
    const entry = await collectorEntry(root, (line) => warnings.push(line));
    expect(entry).toEqual({
      url: pathToFileURL(path.join(root, 'collector/src/cli/main.ts')).href,
      bundled: false,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /could not build collector\/dist\/orderpulse\.mjs .*running the TypeScript sources/,
    );
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('the real binary on PostgreSQL, from its bundle', () => {
  it(
    'migrates its schema, found beside the sources, and imports a bill through the parse thread',
    async () => {
      const url = process.env.TEST_DATABASE_URL!;
      const schema = uniqueSchema();
      const collector = await spawnCollector({ DATABASE_URL: url, ORDERPULSE_DB_SCHEMA: schema });
      try {
        const bill = readFileSync(
          new URL('../support/fixtures/wechatpay-trade-bill-27col.csv', import.meta.url),
        );
        const answer = await fetch(`${collector.url}/v1/bills/wechatpay`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'text/csv' },
          body: bill,
        });
        expect(answer.status).toBe(200);
        expect(await answer.json()).toMatchObject({
          rows: 3,
          declared_rows: 3,
          refunds: 1,
          provider: 'wechatpay',
        });
      } finally {
        collector.child.kill('SIGTERM');
        await collector.exited;
        await dropSchema(url, schema);
      }
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );
});
