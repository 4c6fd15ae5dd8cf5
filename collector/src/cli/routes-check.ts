// `orderpulse routes check [DIR]`: which receivers of routes.yaml will deliver where with this
// environment, without starting the collector. Prints variable names and set/unset, never values.
import type { Environment } from '../notify/create-channel.ts';
import { formatReceiverReport, reportReceivers } from '../notify/receiver-report.ts';
import { formatLoadError } from '../rules-config/load-error.ts';
import { loadRuleSet } from '../rules-config/rule-set.ts';
import type { CheckOutput } from './rules-check.ts';

export const ROUTES_CHECK_USAGE = `orderpulse routes check [DIR]

Shows where each receiver of routes.yaml delivers with the current environment. DIR defaults to
ORDERPULSE_RULES_DIR or ./alert-rules. For each receiver: its channel kinds and which of their
variables are set or unset (never their values). Exits 0 when every receiver delivers somewhere, 1 when one delivers nowhere or the
rule set is invalid.`;

export async function runRoutesCheck(dir: string, env: Environment, out: CheckOutput): Promise<number> {
  const result = await loadRuleSet(dir);
  if (!result.ok) {
    for (const error of result.errors) out.stderr.write(`${formatLoadError(error)}\n`);
    out.stderr.write(`${dir}: the rule set is not valid; run orderpulse rules check\n`);
    return 1;
  }
  const reports = reportReceivers(result.ruleSet.routing, env);
  out.stdout.write(formatReceiverReport(reports));
  const nowhere = reports.filter((r) => r.delivery === 'nowhere').map((r) => r.name);
  if (nowhere.length > 0) {
    out.stderr.write(
      `${dir}: ${nowhere.length} receiver${nowhere.length === 1 ? '' : 's'} deliver nowhere: ${nowhere.join(', ')}\n`,
    );
    return 1;
  }
  return 0;
}
