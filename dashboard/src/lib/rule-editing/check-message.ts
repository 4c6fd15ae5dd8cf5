// One checker error as a sentence in the reader's language: where in the rule it is (rule · field),
// then what is wrong, from the catalogue message the API sends beside its English text.
import type { RuleError } from '../api-types.ts';
import type { Lang } from '../i18n.ts';
import { ruleErrorText } from '../rule-error-text.ts';

export function diagnosticMessage(e: RuleError, lang: Lang): string {
  const where = [e.rule, e.field].filter((s) => s !== undefined && s !== '').join(' · ');
  const what = ruleErrorText(lang, e);
  return where ? `${where}: ${what}` : what;
}
