// The checker's errors (line and column of the submitted text) as CodeMirror lint diagnostics: each
// underlines the word it points at, or the whole line when it names only the line, or the first
// line when it names neither.
import type { Diagnostic } from '@codemirror/lint';
import { Text } from '@codemirror/state';
import type { RuleError } from '../api-types.ts';
import type { Lang } from '../i18n.ts';
import { diagnosticMessage } from './check-message.ts';

export function toDiagnostics(source: string, errors: readonly RuleError[], lang: Lang): Diagnostic[] {
  const doc = Text.of(source.split('\n'));
  return errors.map((e) => {
    const line = doc.line(Math.min(Math.max(e.line ?? 1, 1), doc.lines));
    let from = line.from;
    let to = line.to;
    if (e.column !== undefined) {
      from = Math.min(line.from + e.column - 1, line.to);
      const word = /^\S*/.exec(line.text.slice(from - line.from))?.[0] ?? '';
      to = from + word.length;
    }
    return { from, to, severity: 'error', message: diagnosticMessage(e, lang) };
  });
}
