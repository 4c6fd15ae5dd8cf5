// A rule-file problem in the reader's language: the catalogue message the API sends beside the
// English `message` (which is shown as is when the reply has no `message_ref`).
import type { RuleError } from './api-types.ts';
import { type Lang, translateRef } from './i18n.ts';

export function ruleErrorText(lang: Lang, error: Pick<RuleError, 'message' | 'message_ref'>): string {
  return translateRef(lang, error.message_ref, error.message);
}
