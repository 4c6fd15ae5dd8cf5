// A bill line as one row of COPY text in bill_rows' shape (LINE_COLUMNS in bill-staging-queries.ts),
// which the staging table shares: the line as if it matched the order it names, as most lines do.
// Built where the line is parsed, so a chunk reaches the store as bytes ready to send.
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

/** The fields every line of one import shares, already as COPY text: the provider and the import. */
export const lineCopyPrefix = (provider: string, importId: number): string =>
  `${copyText(provider)}\t${importId}\t`;

/** One line's COPY row, newline-terminated, after `prefix` (lineCopyPrefix). */
export function lineCopyRow(prefix: string, l: StagedLine): string {
  const payment = l.kind === 'payment';
  return `${prefix}${copyText(l.transactionId)}\t${l.kind}\t${copyText(l.refundNo)}\t${copyText(
    l.merchantOrderNo,
  )}\t${new Date(l.paidAt).toISOString()}\t${l.day}\t${l.amountFen}\t${copyText(l.storeId)}\t${copyText(
    l.deviceId,
  )}\t${l.line}\t${payment ? 'exact' : 'refund'}\t${payment ? copyText(l.merchantOrderNo) : '\\N'}\t${copyText(l.raw)}\n`;
}
