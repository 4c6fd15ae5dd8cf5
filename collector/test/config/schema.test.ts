// The environment schema against the README's table, against itself, and the guarantees it gives:
// every problem at once, unknown ORDERPULSE_* names found, and no other reader of process.env.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionalKind } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { readEnvironment, settingOf } from '../../src/config/read-environment.ts';
import { ENV_NAMES, variableSchema } from '../../src/config/schema.ts';
import { unknownVariables } from '../../src/config/unknown-variables.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The rows of README's "## Configuration" table: each row's variable names and default cell. */
function readmeConfigurationRows(): { names: string[]; defaultCell: string }[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(section.indexOf('| variable |')).split('\n\n')[0]!;
  return table
    .split('\n')
    .slice(2)
    .map((row) => {
      const [names = '', defaultCell = ''] = row.split(' | ');
      return { names: [...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!), defaultCell };
    });
}

describe('the environment schema', () => {
  it('names exactly the variables of the README configuration table, with the same defaults', () => {
    const rows = readmeConfigurationRows();
    const documented = rows.flatMap((row) => row.names);
    expect([...documented].sort()).toEqual([...ENV_NAMES].sort());
    for (const row of rows) {
      for (const name of row.names) {
        const fallback = variableSchema(name as (typeof ENV_NAMES)[number]).default;
        if (fallback !== undefined) expect(row.defaultCell, name).toContain(String(fallback));
      }
    }
  });

  it('gives a default to every variable it does not mark optional, and each default passes its own check', () => {
    for (const name of ENV_NAMES) {
      const schema = variableSchema(name);
      if (schema.default === undefined) {
        expect(OptionalKind in schema, `${name} has neither a default nor Optional`).toBe(true);
        continue;
      }
      const fromText = Value.Convert(schema, String(schema.default));
      expect(Value.Check(schema, fromText), `${name}'s default "${schema.default}"`).toBe(true);
    }
  });

  it('lists one problem for each wrong variable, all at once, each naming its variable', () => {
    const checked = ENV_NAMES.filter((name) => variableSchema(name).errorMessage !== undefined);
    expect(checked.length).toBeGreaterThan(20);
    const env = Object.fromEntries(checked.map((name) => [name, '?!']));
    const { problems } = readEnvironment(env);
    expect(problems).toHaveLength(checked.length);
    expect(problems.map((problem, i) => problem.startsWith(checked[i]!))).toEqual(checked.map(() => true));
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });

  it('keeps the wording of its messages and adds the parser’s reason to a wrong duration', () => {
    const { problems } = readEnvironment({
      PORT: 'eighty',
      ORDERPULSE_RECONCILE_AT: '25:00',
      ORDERPULSE_MAX_CLOCK_SKEW: '5',
      ORDERPULSE_RATE_LIMIT_INGEST: 'lots',
    });
    expect(problems).toEqual([
      'PORT must be an integer from 0 to 65535, got "eighty"',
      'ORDERPULSE_MAX_CLOCK_SKEW must be a duration such as "90s" or "5m", got "5": "5" has no unit; write e.g. "5s", "5m" or "5h"',
      'ORDERPULSE_RECONCILE_AT must be HH:MM or off, got "25:00"',
      'ORDERPULSE_RATE_LIMIT_INGEST: "lots" is not a rate limit; write requests/duration such as "30/1m", or "off"',
    ]);
  });

  it('adds the checks across variables to the same list', () => {
    try {
      loadConfig({ PORT: '-1', ORDERPULSE_INGEST_TOKENS: 'pos=short', ORDERPULSE_KUAIDI100_KEY: 'k' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'PORT must be an integer from 0 to 65535, got "-1"',
        'token "pos" is shorter than 8 characters',
        'ORDERPULSE_KUAIDI100_CUSTOMER and ORDERPULSE_KUAIDI100_KEY must be set together',
      ]);
    }
  });

  it('takes an empty value for unset', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: ' ', ORDERPULSE_RECONCILE_AT: '', DATABASE_URL: '' });
    expect(config).toMatchObject({ port: 8080, logLevel: 'info', reconcileAt: { hour: 2, minute: 0 } });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads one variable alone, with its default, for commands that need no more', () => {
    expect(settingOf({ PORT: 'eighty' }, 'ORDERPULSE_RULES_DIR')).toBe('alert-rules');
    expect(settingOf({ ORDERPULSE_RULES_DIR: '/etc/op' }, 'ORDERPULSE_RULES_DIR')).toBe('/etc/op');
  });
});

describe('unknown ORDERPULSE_* names', () => {
  it('are found, with the closest setting when one is near, leaving out those routes.yaml names', () => {
    const env = {
      PATH: '/usr/bin',
      ORDERPULSE_TZ: 'UTC',
      ORDERPULSE_REQUEST_TIMOUT: '1m',
      ORDERPULSE_INGEST_TOKEN: 'pos=abcdefgh',
      ORDERPULSE_SMTP_URL: 'smtps://mail',
      ORDERPULSE_QQQQQQQQQQQQQQQQ: '1',
    };
    expect(unknownVariables(env, ['ORDERPULSE_SMTP_URL'])).toEqual([
      { name: 'ORDERPULSE_INGEST_TOKEN', suggestion: 'ORDERPULSE_INGEST_TOKENS' },
      { name: 'ORDERPULSE_QQQQQQQQQQQQQQQQ' },
      { name: 'ORDERPULSE_REQUEST_TIMOUT', suggestion: 'ORDERPULSE_REQUEST_TIMEOUT' },
    ]);
  });
});

describe('process.env', () => {
  it('is read in collector/src by the config module alone', () => {
    const src = path.join(repoRoot, 'collector/src');
    const readers = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => readFileSync(path.join(src, file), 'utf8').includes('process.env'));
    expect(readers).toEqual([path.join('config', 'process-environment.ts')]);
  });
});
