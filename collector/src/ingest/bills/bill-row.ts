// A bill line as OrderPulse reconciles it: the provider's own record of money that moved.
import type { BilledPayment } from '../../domain/reconciliation/match-bill.ts';
import type { BillLimits } from './bill-text.ts';

export type BillProvider = 'wechatpay' | 'alipay';
export const BILL_PROVIDERS: readonly BillProvider[] = ['wechatpay', 'alipay'];

export interface BillRow extends BilledPayment {
  provider: BillProvider;
  /** The refund's own number (微信退款单号 / 退款批次号), for refund rows. */
  refundNo?: string;
  /** 1-based line number in the file, for error messages and evidence. */
  line: number;
  /** Every cell of the line by its header name, cleaned of backticks and tab padding. */
  raw: Readonly<Record<string, string>>;
  /** The line's cells as found, comma-joined: what the store keeps as the record. */
  rawLine: string;
}

/** What the bill says about itself in its summary/footer lines, for a completeness check. */
export interface BillSummary {
  provider: BillProvider;
  /** Rows the bill declares (WeChat 总交易单数; Alipay 交易合计 笔 + 退款合计 笔). */
  declaredRows?: number;
  /** Rows of a status we do not reconcile (e.g. WeChat REVOKED), by status. */
  skipped: Record<string, number>;
  /** The footer/summary text as found. */
  lines: string[];
  /** The column header, as found. */
  header: string[];
}

/** The input is not the bill the caller said it is; `expected` says what would have been accepted. */
export class BillFormatError extends Error {
  readonly provider: BillProvider;
  readonly expected: string;
  readonly line: number | undefined;
  constructor(provider: BillProvider, expected: string, found: string, line?: number) {
    super(`${line === undefined ? '' : `line ${line}: `}expected ${expected}; found ${found}`);
    this.name = 'BillFormatError';
    this.provider = provider;
    this.expected = expected;
    this.line = line;
  }
}

/** A short, printable excerpt of an offending line for error messages. */
export function excerpt(text: string): string {
  const clean = text.replace(/[\t\r]/g, ' ').trim();
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 60)}…` : clean);
}

const BACKTICK = 0x60;
const QUOTE = 0x22;
/** Printable ASCII other than the space: never padding. */
const isPrintable = (code: number) => code > 0x20 && code < 0x7f;

/**
 * Bill cells carry anti-Excel decoration: a leading backtick (WeChat) or tab padding (Alipay); a cell
 * that a spreadsheet re-saved may also come back in double quotes.
 */
export function cleanCell(cell: string): string {
  // Most WeChat cells are one backtick then printable ASCII that neither starts with a quote nor ends
  // in padding: what is left after the backtick is the cell (the general rule below, a million times
  // cheaper per bill).
  const last = cell.charCodeAt(cell.length - 1);
  if (cell.charCodeAt(0) === BACKTICK && cell.length >= 2 && isPrintable(last)) {
    const first = cell.charCodeAt(1);
    if (isPrintable(first) && first !== BACKTICK && first !== QUOTE) return cell.slice(1);
  }
  const bare = cell.replace(/^[\s`]+|\s+$/g, '');
  return bare.length >= 2 && bare.startsWith('"') && bare.endsWith('"')
    ? bare.slice(1, -1).replaceAll('""', '"')
    : bare;
}

/** A detail row that could not be read; the rest of the bill still is. */
export interface RejectedRow {
  line: number;
  message: string;
}

export interface BillParseOptions {
  /** Called once at the end with what the bill's own summary says. */
  onSummary?: (summary: BillSummary) => void;
  /**
   * Called for each detail row that cannot be read (columns that do not line up, a bad time or amount);
   * without it such a row refuses the whole bill with a BillFormatError.
   */
  onRejected?: (row: RejectedRow) => void;
  /** Size, line-length and compression limits; the defaults otherwise. */
  limits?: BillLimits;
}

/** Rows of a status a bill holds but we do not reconcile are counted by status, up to this many statuses. */
export const MAX_SKIPPED_STATUSES = 16;
export const OTHER_STATUSES = '(other)';

/** Counts a skipped row by its status without letting a hostile file grow the map without end. */
export function countSkipped(summary: BillSummary, status: string): void {
  const name = status.slice(0, 64);
  const key =
    Object.hasOwn(summary.skipped, name) ||
    (name !== '__proto__' && Object.keys(summary.skipped).length < MAX_SKIPPED_STATUSES - 1)
      ? name
      : OTHER_STATUSES;
  summary.skipped[key] = (summary.skipped[key] ?? 0) + 1;
}

type BillRowFields = Omit<BillRow, 'raw' | 'rawLine'>;

/**
 * A parsed row whose `raw` is built only when read: most rows are matched by number and never shown,
 * and a 27-key object per row would be most of the cost of parsing a million-row bill.
 */
export class ParsedBillRow implements BillRow {
  provider: BillProvider;
  transactionId: string;
  merchantOrderNo: string;
  paidAt: number;
  amountFen: number;
  kind: 'payment' | 'refund';
  storeId?: string;
  deviceId: string;
  refundNo?: string;
  line: number;
  readonly #header: readonly string[];
  readonly #cells: readonly string[];
  readonly #line: string | undefined;
  #raw: Record<string, string> | undefined;

  /** `line`: the line as read, when its cells comma-joined give it back (it was split, not parsed). */
  constructor(fields: BillRowFields, header: readonly string[], cells: readonly string[], line?: string) {
    this.provider = fields.provider;
    this.transactionId = fields.transactionId;
    this.merchantOrderNo = fields.merchantOrderNo;
    this.paidAt = fields.paidAt;
    this.amountFen = fields.amountFen;
    this.kind = fields.kind;
    if (fields.storeId !== undefined) this.storeId = fields.storeId;
    this.deviceId = fields.deviceId;
    if (fields.refundNo !== undefined) this.refundNo = fields.refundNo;
    this.line = fields.line;
    this.#header = header;
    this.#cells = cells;
    this.#line = line;
  }

  get rawLine(): string {
    return this.#line ?? this.#cells.join(',');
  }

  get raw(): Readonly<Record<string, string>> {
    this.#raw ??= Object.fromEntries(this.#header.map((name, i) => [name, cleanCell(this.#cells[i] ?? '')]));
    return this.#raw;
  }
}
