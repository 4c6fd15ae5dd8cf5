/**
 * One problem found in alert-rules/. `file` is relative to the rule directory, `rule` names the
 * built-in or custom rule when the problem is inside one, and `field` is the dotted path of the
 * offending key within that rule (or within the file when there is no rule).
 */
export interface LoadError {
  file: string;
  rule?: string;
  field: string;
  message: string;
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
