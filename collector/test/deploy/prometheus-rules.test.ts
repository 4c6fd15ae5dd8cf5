import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HISTOGRAM_METRIC_NAMES, METRIC_NAMES } from '../../src/metrics/catalogue.ts';
import { layOutContainer, readCompose } from './compose-file.ts';
import { runTool } from './real-tool.ts';
import { repoPath } from './repo-paths.ts';

const RULES_DIR = repoPath('alert-rules/prometheus');
const RULE_FILES = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.rules.yml'))
  .map((f) => join(RULES_DIR, f));
const TEST_FILES = readdirSync(join(RULES_DIR, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join('tests', f));

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

function rules() {
  return RULE_FILES.flatMap((file) =>
    (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules),
  );
}

describe('Prometheus rules and configs, checked with the real promtool and amtool', () => {
  it('has rule files and unit-test files to check', () => {
    expect(RULE_FILES.length).toBeGreaterThan(0);
    expect(TEST_FILES.length).toBeGreaterThan(0);
  });

  it('promtool check rules accepts every rule file', () => {
    const run = runTool('promtool', ['check', 'rules', ...RULE_FILES]);
    expect(run.output).toContain('SUCCESS');
    expect(run.status, run.output).toBe(0);
  });

  it('promtool test rules passes every unit test (series that fire and series that do not)', () => {
    const run = runTool('promtool', ['test', 'rules', ...TEST_FILES], RULES_DIR);
    expect(run.output).not.toContain('FAILED');
    expect(run.status, run.output).toBe(0);
  });

  it('promtool check config accepts deploy/prometheus.yml as the prometheus container sees it', () => {
    const prometheus = readCompose().services.prometheus;
    if (!prometheus) throw new Error('docker-compose.yml has no prometheus service');
    const root = layOutContainer(prometheus, mkdtempSync(join(tmpdir(), 'op-prom-')));
    const run = runTool('promtool', ['check', 'config', join(root, 'etc/prometheus/prometheus.yml')]);
    expect(run.status, run.output).toBe(0);
    // the rule_files glob must find the rules through the compose mount, not match nothing
    expect(run.output).toMatch(/SUCCESS: [1-9]\d* rule files found/);
  });

  it('amtool check-config accepts the example deploy/alertmanager.yml', () => {
    const run = runTool('amtool', ['check-config', repoPath('deploy/alertmanager.yml')]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });

  it('uses only metric names the collector exports', () => {
    const exported = new Set<string>(Object.values(METRIC_NAMES));
    for (const name of HISTOGRAM_METRIC_NAMES) {
      for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
    }
    const used = new Set(rules().flatMap((r) => r.expr.match(/orderpulse_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(exported, name).toContain(name);
  });

  it('unit-tests every alert with at least one case where it fires', () => {
    const firing = new Set<string>();
    for (const file of TEST_FILES) {
      const suite = parse(readFileSync(join(RULES_DIR, file), 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
      };
      for (const test of suite.tests) {
        for (const check of test.alert_rule_test ?? []) {
          if ((check.exp_alerts ?? []).length > 0) firing.add(check.alertname);
        }
      }
    }
    const alerts = rules().flatMap((r) => (r.alert ? [r.alert] : []));
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) expect(firing, alert).toContain(alert);
  });
});
