// What both trade-bill parsers do alike between a bill's own framing: find the columns by header name,
// split and check a detail row, report a row that cannot be read, and make the BillRow of a payment or
// a refund.
import { tryYuanToFen } from '../../domain/money.ts';
import {
  BillFormatError,
  type BillParseOptions,
  type BillProvider,
  excerpt,
  ParsedBillRow,
} from './bill-row.ts';
import { BillCellsError } from './bill-text.ts';
import { parseChinaLocalTime } from './china-standard-time.ts';

/** Reports a row that cannot be read, or refuses the bill when the caller did not ask for reports. */
export type RejectRow = (line: number, expected: string, found: string) => void;

export function rowRejecter(provider: BillProvider, options: BillParseOptions): RejectRow {
  return (line, expected, found) => {
    if (!options.onRejected) throw new BillFormatError(provider, expected, found, line);
    options.onRejected({ line, message: `expected ${expected}; found ${found}` });
  };
}

/** Each column's place in the header (the last of its names present), -1 where none is. */
export function columnPositions<Column extends string>(
  names: Readonly<Record<Column, readonly string[]>>,
  header: readonly string[],
): Record<Column, number> {
  return Object.fromEntries(
    Object.entries<readonly string[]>(names).map(([key, alternatives]) => [
      key,
      Math.max(-1, ...alternatives.map((n) => header.indexOf(n))),
    ]),
  ) as Record<Column, number>;
}

/** The cleaned cell of a column, or undefined when the header has no such column. */
export function cellAt<Column extends string>(
  cells: readonly string[],
  index: Record<Column, number>,
  column: Column,
  clean: (cell: string) => string,
): string | undefined {
  const at = index[column];
  return at >= 0 ? clean(cells[at] ?? '') : undefined;
}

/** A detail line's cells, or undefined once a line whose cells cannot be split is reported. */
export function detailCells(
  line: string,
  number: number,
  split: (line: string) => string[],
  reject: RejectRow,
): string[] | undefined {
  try {
    return split(line);
  } catch (error) {
    if (!(error instanceof BillCellsError)) throw error;
    reject(number, 'cells separated by commas', `${error.message} in ${excerpt(line)}`);
    return undefined;
  }
}

/** Whether a detail line has the header's columns; one that has not is reported. */
export function linesUpWithHeader(
  line: string,
  cells: readonly string[],
  header: readonly string[],
  number: number,
  reject: RejectRow,
): boolean {
  if (cells.length === header.length) return true;
  reject(number, `${header.length} columns as in the header`, `${cells.length} in ${excerpt(line)}`);
  return false;
}

/** A row's China local time, or undefined once a text that is not one is reported. */
export function rowTime(text: string, column: string, number: number, reject: RejectRow): number | undefined {
  const at = parseChinaLocalTime(text);
  if (at === undefined) reject(number, `${column} as yyyy-MM-dd HH:mm:ss`, excerpt(text));
  return at;
}

/** A row's amount in fen, or undefined once a text that is not an amount in yuan is reported. */
export function rowAmount(text: string, number: number, reject: RejectRow): number | undefined {
  const fen = tryYuanToFen(text);
  if (fen === undefined) reject(number, 'an amount in yuan', excerpt(text));
  return fen;
}

export interface TradeFields {
  provider: BillProvider;
  transactionId: string;
  merchantOrderNo: string;
  paidAt: number;
  /** As the bill writes it; a refund's is made negative here. */
  amountFen: number;
  isRefund: boolean;
  storeId: string | undefined;
  deviceId: string;
  refundNo: string | undefined;
  line: number;
}

/**
 * A payment or refund row; refunds are negative so that a day's rows sum to the net amount. `line` is
 * the line as read when its cells join back into it (see ParsedBillRow).
 */
export function tradeRow(
  f: TradeFields,
  header: readonly string[],
  cells: readonly string[],
  line?: string,
): ParsedBillRow {
  return new ParsedBillRow(
    {
      provider: f.provider,
      transactionId: f.transactionId,
      merchantOrderNo: f.merchantOrderNo,
      paidAt: f.paidAt,
      amountFen: f.isRefund ? -Math.abs(f.amountFen) : f.amountFen,
      kind: f.isRefund ? 'refund' : 'payment',
      ...(f.storeId ? { storeId: f.storeId } : {}),
      deviceId: f.deviceId,
      ...(f.isRefund && f.refundNo ? { refundNo: f.refundNo } : {}),
      line: f.line,
    },
    header,
    cells,
    line,
  );
}
