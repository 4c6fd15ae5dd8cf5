// A staged bill line as one row of COPY text, in the column order of bill_import_staged's COPY
// (STAGED_COLUMNS in bill-staging-queries.ts). Built where the line is parsed, so a chunk reaches the
// store as bytes ready to send.
import type { StagedLine } from './bill-staging-queries.ts';

// COPY's text format: backslash, tab, newline and carriage return escaped; \N is NULL.
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;

export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  // almost no cell needs escaping: testing is cheaper than a replace that finds nothing
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => COPY_ESCAPES[c] ?? c) : value;
}

/** One line's COPY row, newline-terminated; `key` is the stage key already passed through copyText. */
export function stagedCopyRow(key: string, l: StagedLine): string {
  return `${key}\t${l.line}\t${l.kind}\t${copyText(l.transactionId)}\t${copyText(l.refundNo)}\t${copyText(
    l.merchantOrderNo,
  )}\t${l.paidAt}\t${l.day}\t${l.amountFen}\t${copyText(l.storeId)}\t${copyText(l.deviceId)}\t${copyText(l.raw)}\n`;
}
