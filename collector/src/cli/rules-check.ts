// `orderpulse rules check [DIR]`: validate alert-rules/ without starting the collector.
import { formatLoadError } from '../rules-config/load-error.ts';
import { describeRuleSet, loadRuleSet } from '../rules-config/rule-set.ts';

export interface CheckOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Exit status: 0 when the directory is a valid rule set, 1 otherwise (errors on stderr, one per line). */
export async function runRulesCheck(dir: string, out: CheckOutput): Promise<number> {
  const result = await loadRuleSet(dir);
  if (result.ok) {
    out.stdout.write(`${dir}: OK: ${describeRuleSet(result.ruleSet)}\n`);
    return 0;
  }
  for (const error of result.errors) out.stderr.write(`${formatLoadError(error)}\n`);
  const count = result.errors.length;
  out.stderr.write(`${dir}: ${count} error${count === 1 ? '' : 's'}; the rule set was not accepted\n`);
  return 1;
}
