// WeChat Pay trade bill (交易账单, PROVIDERS.md §3.1): a header line, detail rows whose every value is
// prefixed with a backtick (so Excel keeps long numbers), then a summary header (总交易单数,…) and one
// summary row. Columns are read by header name, so the 27-column (免充值券结算) and the older 20- and
// 24-column layouts all parse. WeChat never quotes: free text (商品名称, 商户数据包 with its JSON) carries
// commas as they are, so a detail row is split where a comma is followed by the next value's backtick.
import { tryYuanToFen } from '../../domain/money.ts';
import {
  BillFormatError,
  type BillParseOptions,
  type BillRow,
  type BillSummary,
  cleanCell,
  countSkipped,
  excerpt,
  ParsedBillRow,
} from './bill-row.ts';
import { BillCellsError, billLines, csvCells } from './bill-text.ts';
import { parseChinaLocalTime } from './china-standard-time.ts';

const EXPECTED =
  'a WeChat Pay trade bill (CSV whose first line is the header 交易时间,公众账号ID,商户号,…,微信订单号,商户订单号,…)';
const SUMMARY_HEADER = '总交易单数';

// Older bills name some columns differently; the first name present wins.
const COLUMN = {
  time: ['交易时间'],
  device: ['设备号'],
  transaction: ['微信订单号'],
  order: ['商户订单号'],
  status: ['交易状态'],
  orderAmount: ['订单金额', '应结订单金额', '总金额'],
  refundAmount: ['申请退款金额', '退款金额'],
  refundNo: ['微信退款单号'],
  attach: ['商户数据包'],
} as const;
type Column = keyof typeof COLUMN;

function cellAt(cells: readonly string[], index: Record<Column, number>, column: Column): string | undefined {
  const at = index[column];
  return at >= 0 ? clean(cells[at] ?? '') : undefined;
}

const clean = cleanCell;

// The summary is a header and one row; anything much longer after 总交易单数 is not a WeChat bill.
const MAX_SUMMARY_LINES = 8;

/** A WeChat detail row into its cells, each keeping its backtick (so the cells rejoin into the line). */
export function wechatCells(line: string): string[] {
  if (!line.startsWith('`')) return csvCells(line);
  const cells = line.split(',`');
  for (let i = 1; i < cells.length; i++) cells[i] = `\`${cells[i]}`;
  return cells;
}

function storeFromAttach(attach: string | undefined): string | undefined {
  if (!attach?.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(attach);
    const storeId =
      typeof parsed === 'object' && parsed !== null ? (parsed as { store_id?: unknown }).store_id : undefined;
    return typeof storeId === 'string' && storeId.length > 0 && storeId.length <= 64 ? storeId : undefined;
  } catch {
    return undefined;
  }
}

export type { BillParseOptions };

/** Rows of a WeChat Pay trade bill, one at a time; throws BillFormatError for anything else. */
export async function* parseWechatpayTradeBill(
  input: AsyncIterable<Uint8Array | string>,
  options: BillParseOptions = {},
): AsyncGenerator<BillRow> {
  let header: string[] | undefined;
  let index: Record<Column, number> | undefined;
  let inSummary = false;
  const summary: BillSummary = { provider: 'wechatpay', skipped: {}, lines: [], header: [] };
  let summaryHeader: string[] | undefined;

  // A row that cannot be read is reported and skipped when the caller asks for that, else refuses the bill.
  const reject = (number: number, expected: string, found: string) => {
    if (!options.onRejected) throw new BillFormatError('wechatpay', expected, found, number);
    options.onRejected({ line: number, message: `expected ${expected}; found ${found}` });
  };

  for await (const [line, number] of billLines(input, 'utf-8', options.limits)) {
    if (line.trim() === '') continue;
    if (!header || !index) {
      let cells: string[];
      try {
        cells = csvCells(line).map(clean);
      } catch {
        throw new BillFormatError('wechatpay', EXPECTED, excerpt(line), number);
      }
      const positions = Object.fromEntries(
        Object.entries(COLUMN).map(([key, names]) => [
          key,
          Math.max(-1, ...names.map((n) => cells.indexOf(n))),
        ]),
      ) as Record<Column, number>;
      const missing = (['time', 'transaction', 'order', 'status', 'orderAmount'] as const).filter(
        (c) => positions[c] < 0,
      );
      if (missing.length > 0) throw new BillFormatError('wechatpay', EXPECTED, `${excerpt(line)}`, number);
      header = cells;
      index = positions;
      continue;
    }
    if (inSummary) {
      if (summary.lines.length >= MAX_SUMMARY_LINES) {
        throw new BillFormatError(
          'wechatpay',
          `the summary row and nothing more after the summary header ${SUMMARY_HEADER}`,
          `more than ${MAX_SUMMARY_LINES} lines`,
          number,
        );
      }
      let cells: string[];
      try {
        cells = wechatCells(line).map(clean);
      } catch {
        cells = [];
      }
      summary.lines.push(line);
      if (summaryHeader && !summary.declaredRows) {
        const count = Number(cells[summaryHeader.indexOf(SUMMARY_HEADER)]);
        if (Number.isSafeInteger(count)) summary.declaredRows = count;
      }
      continue;
    }
    let cells: string[];
    try {
      cells = wechatCells(line);
    } catch (error) {
      if (!(error instanceof BillCellsError)) throw error;
      reject(number, 'cells separated by commas', `${error.message} in ${excerpt(line)}`);
      continue;
    }
    if (clean(cells[0] ?? '') === SUMMARY_HEADER) {
      inSummary = true;
      summaryHeader = cells.map(clean);
      summary.lines.push(line);
      continue;
    }
    if (cells.length !== header.length) {
      reject(number, `${header.length} columns as in the header`, `${cells.length} in ${excerpt(line)}`);
      continue;
    }
    const columns = index;
    const value = (column: Column) => cellAt(cells, columns, column);
    const status = value('status') ?? '';
    if (status !== 'SUCCESS' && status !== 'REFUND') {
      countSkipped(summary, status);
      continue;
    }
    const paidAt = parseChinaLocalTime(value('time') ?? '');
    if (paidAt === undefined) {
      reject(number, '交易时间 as yyyy-MM-dd HH:mm:ss', excerpt(value('time') ?? ''));
      continue;
    }
    const isRefund = status === 'REFUND';
    const amountText =
      (isRefund ? (value('refundAmount') ?? value('orderAmount')) : value('orderAmount')) ?? '';
    const amount = tryYuanToFen(amountText);
    if (amount === undefined) {
      reject(number, 'an amount in yuan', excerpt(amountText));
      continue;
    }
    const refundNo = value('refundNo');
    const storeId = storeFromAttach(value('attach'));
    yield new ParsedBillRow(
      {
        provider: 'wechatpay',
        transactionId: value('transaction') ?? '',
        merchantOrderNo: value('order') ?? '',
        paidAt,
        amountFen: isRefund ? -Math.abs(amount) : amount,
        kind: isRefund ? 'refund' : 'payment',
        ...(storeId ? { storeId } : {}),
        deviceId: value('device') ?? '',
        ...(isRefund && refundNo && refundNo !== '0' ? { refundNo } : {}),
        line: number,
      },
      header,
      cells,
    );
  }
  if (!header) throw new BillFormatError('wechatpay', EXPECTED, 'an empty file');
  summary.header = header;
  options.onSummary?.(summary);
}
