// One checker error as a sentence: where in the rule it is (rule · field), then what is wrong.
import type { RuleError } from '../api-types.ts';

export function diagnosticMessage(e: RuleError): string {
  const where = [e.rule, e.field].filter((s) => s !== undefined && s !== '').join(' · ');
  return where ? `${where}: ${e.message}` : e.message;
}
