// `orderpulse routes check` through the real binary: which receivers deliver where with the
// environment it runs in, naming variables set or unset and never printing a value.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { channelVariables } from '../../src/notify/receiver-report.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const SECRET_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-robot-key';

function routesCheck(env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/orderpulse.js', 'routes', 'check', 'alert-rules'], {
    cwd: repoRoot,
    encoding: 'utf8',
    // A deadline, not a speed: spawnSync blocks the worker, so no test timeout could stop a hang.
    timeout: 120_000,
    // Only what node needs, so the machine's own variables cannot leak into the answer.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
}

describe('orderpulse routes check', () => {
  it('with only the on-call WeCom URL set: on-call delivers to WeCom, its backup variables are unset', () => {
    const run = routesCheck({ ORDERPULSE_WECOM_ONCALL_URL: SECRET_URL });
    const lines = run.stdout.split('\n');
    const oncall = lines.indexOf(lines.find((l) => l.startsWith('oncall:'))!);
    expect(lines[oncall]).toMatch(
      /^oncall: delivers to wecom \(primary\); a backup channel is not configured$/,
    );
    expect(lines[oncall + 1]).toMatch(/^\s+primary\s+wecom\s+ORDERPULSE_WECOM_ONCALL_URL set$/);
    expect(lines[oncall + 2]).toMatch(
      /^\s+backup\s+dingtalk\s+ORDERPULSE_DINGTALK_ONCALL_URL unset, ORDERPULSE_DINGTALK_ONCALL_SECRET unset -> left out$/,
    );
    // payments falls back to its WeCom backup; finance (e-mail) goes nowhere, and that fails the check.
    expect(run.stdout).toMatch(
      /^payments: delivers \(no primary channel is configured\) to wecom \(backup\)$/m,
    );
    expect(run.stdout).toMatch(/^finance: DELIVERS NOWHERE/m);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/deliver nowhere: .*finance/);
    expect(run.stdout + run.stderr).not.toContain('very-secret-robot-key');
  }, 180_000);

  it('with every variable set: every receiver delivers and the check passes', async () => {
    const loaded = await loadRuleSet(`${repoRoot}alert-rules`);
    if (!loaded.ok) throw new Error('the shipped rule set does not load');
    const env: Record<string, string> = {};
    for (const receiver of Object.values(loaded.ruleSet.routing.receivers)) {
      for (const channel of [...receiver.primary, ...receiver.backup]) {
        for (const name of channelVariables(channel)) {
          env[name] = channel.kind === 'email' ? 'smtp://127.0.0.1:25' : `value-of-${name}`;
          if (/URL$/.test(name) && channel.kind !== 'email') env[name] = `https://example.invalid/${name}`;
        }
      }
    }
    const run = routesCheck(env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(/unset|left out|NOWHERE/);
    expect(run.stdout).not.toContain('example.invalid');
  }, 180_000);
});
