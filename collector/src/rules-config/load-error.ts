import type { MessageRef } from '../messages/format-message.ts';
import { englishText } from './problem.ts';

/**
 * One problem found in alert-rules/. `file` is relative to the rule directory, `rule` names the
 * built-in or custom rule when the problem is inside one, and `field` is the dotted path of the
 * offending key within that rule (or within the file when there is no rule).
 */
export interface LoadError {
  file: string;
  rule?: string;
  field: string;
  /** The English rendering of `message_ref`: what the CLI and the logs print. */
  message: string;
  /** The same problem as a catalogue message (`ruleError.…`), for readers in another language. */
  message_ref: MessageRef;
  /** 1-based position in `file`, when known. */
  line?: number;
  column?: number;
}

/** `file:line:column: rule: field: message`, the one-line form used by the CLI and the logs. */
export function formatLoadError(error: LoadError): string {
  const where = error.line === undefined ? error.file : `${error.file}:${error.line}:${error.column ?? 1}`;
  const parts = [where];
  if (error.rule !== undefined) parts.push(error.rule);
  if (error.field !== '') parts.push(error.field);
  parts.push(error.message);
  return parts.join(': ');
}

/** A problem of a whole file (no field), with its English text rendered from the catalogue. */
export function fileError(
  file: string,
  ref: MessageRef,
  position?: { line: number; column: number },
): LoadError {
  const error: LoadError = { file, field: '', message: englishText(ref), message_ref: ref };
  if (position !== undefined) {
    error.line = position.line;
    error.column = position.column;
  }
  return error;
}
