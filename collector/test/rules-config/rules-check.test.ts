import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRulesCheck } from '../../src/cli/rules-check.ts';

const testdata = path.join(import.meta.dirname, 'testdata');
const shipped = path.resolve(import.meta.dirname, '../../../alert-rules');

function capture() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    out: {
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stderr.push(text) },
    },
    stdout: () => stdout.join(''),
    stderr: () => stderr.join(''),
  };
}

describe('runRulesCheck', () => {
  it('exits 0 with a summary for the shipped rules', async () => {
    const io = capture();
    expect(await runRulesCheck(shipped, io.out)).toBe(0);
    expect(io.stderr()).toBe('');
    expect(io.stdout()).toMatch(
      /^.*alert-rules: OK: 6 of 6 built-in rules enabled, 2 custom rules, 9 routes to 7 receivers, business hours for 0 stores beyond the default, 2 promotions, sha256 [0-9a-f]{12}\n$/,
    );
  });

  it('exits 1 and prints each error as file: rule: field: message', async () => {
    const io = capture();
    const dir = path.join(testdata, 'invalid/custom-unknown-field');
    expect(await runRulesCheck(dir, io.out)).toBe(1);
    expect(io.stdout()).toBe('');
    expect(io.stderr().split('\n')).toEqual([
      'custom/rules.yaml:3:11: big_order: when: column 1: unknown field "amout_fen"; did you mean "amount_fen"?',
      `${dir}: 1 error; the rule set was not accepted`,
      '',
    ]);
  });

  it('omits the rule part for errors outside a rule, and counts several errors', async () => {
    const io = capture();
    expect(await runRulesCheck(path.join(testdata, 'invalid/literal-secret'), io.out)).toBe(1);
    const lines = io.stderr().trimEnd().split('\n');
    expect(lines[0]).toBe(
      'routes.yaml:7:14: receivers[0].primary[0].url: secrets and URLs may not be written in rule files; put the value in an environment variable and name it in url_env',
    );
    expect(lines.at(-1)).toMatch(/: 2 errors; the rule set was not accepted$/);
  });

  it('exits 1 for a directory that does not exist', async () => {
    const io = capture();
    expect(await runRulesCheck('/nonexistent/rules', io.out)).toBe(1);
    expect(io.stderr()).toBe(
      '/nonexistent/rules: directory does not exist\n/nonexistent/rules: 1 error; the rule set was not accepted\n',
    );
  });
});
