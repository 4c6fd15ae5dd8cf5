// The real `orderpulse` binary, run as a user runs it: --help, `rules check` on good and bad rule
// sets, `serve` refusing a wrong configuration, and `simulate` sending a short day to a real
// collector (built in process and listening on a port: starting `orderpulse serve` is tested where
// the process itself is the point).
import { spawn, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS } from '../support/test-database.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
// The machine may be busy: a spawned node process is given minutes, never a speed.
const SLOW = 180_000;

const run = (args: string[]) =>
  // spawnSync blocks the worker, so no test timeout could stop a hang: it gets its own deadline.
  spawnSync(process.execPath, ['bin/orderpulse.js', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: SLOW - 30_000,
  });

describe('the orderpulse binary', () => {
  it(
    '--help lists every command and exits 0; an unknown command exits 2 with the usage',
    () => {
      const help = run(['--help']);
      expect(help.status).toBe(0);
      for (const command of ['serve', 'simulate', 'demo', 'import-bill', 'rules'])
        expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      const unknown = run(['bogus']);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('unknown command "bogus"');
      expect(unknown.stderr).toContain('usage: orderpulse <command>');
    },
    SLOW,
  );

  it(
    'rules check accepts the shipped rules and refuses a bad one, naming file, line and field',
    () => {
      const good = run(['rules', 'check', 'alert-rules']);
      expect(good.status).toBe(0);
      expect(good.stdout).toMatch(/alert-rules: OK: 6 of 6 built-in rules enabled/);
      const bad = run(['rules', 'check', 'collector/test/rules-config/testdata/invalid/bad-severity']);
      expect(bad.status).toBe(1);
      expect(bad.stdout + bad.stderr).toMatch(
        /rules\.yaml:\d+:\d+: shipment_anomaly: severity: must be one of/,
      );
      expect(bad.stdout + bad.stderr).toContain('the rule set was not accepted');
    },
    SLOW,
  );

  it(
    'serve refuses a wrong configuration with exit 1, naming every wrong variable at once',
    () => {
      const serve = spawnSync(process.execPath, ['bin/orderpulse.js', 'serve'], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, PORT: 'eighty', ORDERPULSE_TZ: 'Mars/Olympus', LOG_LEVEL: 'loud' },
      });
      expect(serve.status).toBe(1);
      expect(serve.stderr).toContain('orderpulse serve: invalid configuration:');
      expect(serve.stderr).toContain('PORT must be an integer from 0 to 65535, got "eighty"');
      expect(serve.stderr).toContain('ORDERPULSE_TZ "Mars/Olympus" is not an IANA time zone');
      expect(serve.stderr).toContain('LOG_LEVEL must be one of');
    },
    SLOW,
  );

  it(
    'simulate --once sends a day to a running collector, which accepts it all',
    async () => {
      const store = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
      const app = await buildTestApp(store.db);
      await app.server.listen({ port: 0, host: '127.0.0.1' });
      const collector = { url: `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}` };
      try {
        const child = spawn(
          process.execPath,
          [
            'bin/orderpulse.js',
            'simulate',
            '--target',
            collector.url,
            '--token',
            TOKENS.ingest,
            '--operator-token',
            TOKENS.operator,
            '--stores',
            '3',
            '--orders-per-store',
            '20',
            '--once',
          ],
          { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (c) => {
          output += c;
        });
        child.stderr.on('data', (c) => {
          output += c;
        });
        const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
        expect({ code, output }).toMatchObject({ code: 0 });
        // What it sent is there: the collector counted accepted order events and none rejected.
        const metrics = await (await fetch(`${collector.url}/metrics`)).text();
        const count = (outcome: string) =>
          [...metrics.matchAll(/^orderpulse_ingest_events_total\{([^}]*)\} (\d+)/gm)]
            .filter((m) => m[1]!.includes(`outcome="${outcome}"`) && m[1]!.includes('type="order.status"'))
            .reduce((sum, m) => sum + Number(m[2]), 0);
        expect(count('accepted')).toBeGreaterThan(0);
        expect(count('rejected')).toBe(0);
      } finally {
        await app.server.close();
        await store.dispose();
      }
    },
    SLOW,
  );
});
