// Reads the Grafana provisioning and dashboard files, and turns a panel's SQL into what Grafana
// would send to PostgreSQL (macros and template variables substituted).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoPath } from './repo-paths.ts';

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  datasource?: DatasourceRef;
  rawSql?: string;
  format?: string;
  expr?: string;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef;
  targets?: Target[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: TemplateVariable[] };
}

export interface TemplateVariable {
  name: string;
  type: string;
  datasource?: DatasourceRef;
  query?: string;
  includeAll?: boolean;
  /** Substituted as is (unquoted) when "All" is selected. */
  allValue?: string;
}

export interface ProvisionedDatasource {
  name: string;
  uid: string;
  type: string;
  url?: string;
  jsonData?: Record<string, unknown>;
}

export function provisionedDatasources(): ProvisionedDatasource[] {
  const dir = repoPath('grafana/provisioning/datasources');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap(
      (f) =>
        (parse(readFileSync(join(dir, f), 'utf8')) as { datasources: ProvisionedDatasource[] }).datasources,
    );
}

export function dashboardProviders(): { name: string; options: { path: string } }[] {
  const dir = repoPath('grafana/provisioning/dashboards');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap(
      (f) =>
        (
          parse(readFileSync(join(dir, f), 'utf8')) as {
            providers: { name: string; options: { path: string } }[];
          }
        ).providers,
    );
}

export function dashboards(): { file: string; dashboard: Dashboard }[] {
  const dir = repoPath('grafana/dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface TimeRange {
  from: Date;
  to: Date;
}

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** A multi-value variable's text as Grafana's SQL datasources substitute it: quoted, comma-separated. */
export const selectedValues = (values: readonly string[]) => values.map(quote).join(',');

/**
 * Expands the Grafana macros the dashboards use the way Grafana's PostgreSQL datasource does, and
 * variables with the text given (see selectedValues; "All" is the variable's raw allValue).
 * Anything left starting with `$` is an unknown macro or variable: an error, so a new one cannot
 * slip past the test.
 */
export function renderSql(
  sql: string,
  range: TimeRange,
  variables: Record<string, string>,
  schema: string,
): string {
  const from = quote(range.from.toISOString());
  const to = quote(range.to.toISOString());
  let out = sql
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_m, column: string) => `${column.trim()} BETWEEN ${from} AND ${to}`,
    )
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to);
  for (const [name, text] of Object.entries(variables)) {
    out = out.replace(new RegExp(`\\$\\{${name}\\}|\\$${name}\\b`, 'g'), () => text);
  }
  const leftover = out.match(/\$[\w{]+/);
  if (leftover) throw new Error(`unknown macro or variable ${leftover[0]} in: ${sql}`);
  return out.replace(/\borderpulse\./g, `${schema}.`);
}
