// Alipay 业务明细 (trade) bill (PROVIDERS.md §3.2): GBK, four `#` header lines, the column header, detail
// rows with tab-padded cells (anti-Excel), `#…业务明细列表结束`, then `#交易合计` / `#退款合计` / `#导出时间`.
// Refund rows carry negative amounts. Columns are read by header name (full- or half-width brackets).
import { tryYuanToFen } from '../../domain/money.ts';
import {
  BillFormatError,
  type BillParseOptions,
  type BillRow,
  type BillSummary,
  countSkipped,
  excerpt,
  ParsedBillRow,
} from './bill-row.ts';
import { BillCellsError, billLines, csvCells } from './bill-text.ts';
import { parseChinaLocalTime } from './china-standard-time.ts';

const EXPECTED =
  'an Alipay 业务明细 bill (CSV, GBK, "#支付宝业务明细查询" lines then the header 支付宝交易号,商户订单号,业务类型,…)';

const COLUMN = {
  transaction: ['支付宝交易号'],
  order: ['商户订单号'],
  kind: ['业务类型'],
  created: ['创建时间'],
  finished: ['完成时间'],
  store: ['门店编号'],
  device: ['终端号'],
  amount: ['订单金额(元)'],
  refundNo: ['退款批次号/请求号'],
} as const;
type Column = keyof typeof COLUMN;

function cellAt(cells: readonly string[], index: Record<Column, number>, column: Column): string | undefined {
  const at = index[column];
  return at >= 0 ? clean(cells[at] ?? '') : undefined;
}

const clean = (cell: string) => cell.replace(/^[\s`]+|[\s]+$/g, '');
const headerName = (cell: string) => clean(cell).replace(/（/g, '(').replace(/）/g, ')');

// The footer is three lines (交易合计, 退款合计, 导出时间) and the end marker; a file that goes on is not a bill.
const MAX_FOOTER_LINES = 16;

// `#交易合计：10374笔，…` / `#退款合计：1笔，…`
const FOOTER_COUNT = /^#(?:交易|退款)合计[：:]\s*(\d+)\s*笔/;

/** Rows of an Alipay 业务明细 bill, one at a time; throws BillFormatError for anything else. */
export async function* parseAlipayTradeBill(
  input: AsyncIterable<Uint8Array | string>,
  options: BillParseOptions = {},
): AsyncGenerator<BillRow> {
  let header: string[] | undefined;
  let index: Record<Column, number> | undefined;
  let sawTitle = false;
  let ended = false;
  const summary: BillSummary = { provider: 'alipay', skipped: {}, lines: [], header: [] };

  const reject = (number: number, expected: string, found: string) => {
    if (!options.onRejected) throw new BillFormatError('alipay', expected, found, number);
    options.onRejected({ line: number, message: `expected ${expected}; found ${found}` });
  };

  for await (const [line, number] of billLines(input, 'gbk', options.limits)) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      if (!header) {
        if (line.includes('账务明细')) {
          throw new BillFormatError('alipay', EXPECTED, 'an Alipay 账务明细 (account) bill', number);
        }
        if (line.includes('业务明细')) sawTitle = true;
        continue;
      }
      ended = true;
      if (summary.lines.length >= MAX_FOOTER_LINES) {
        throw new BillFormatError(
          'alipay',
          `at most ${MAX_FOOTER_LINES} # lines after the rows`,
          'more',
          number,
        );
      }
      summary.lines.push(line);
      const count = FOOTER_COUNT.exec(line);
      if (count) summary.declaredRows = (summary.declaredRows ?? 0) + Number(count[1]);
      continue;
    }
    if (!header || !index) {
      let cells: string[];
      try {
        cells = csvCells(line).map(headerName);
      } catch {
        throw new BillFormatError('alipay', EXPECTED, excerpt(line), number);
      }
      const positions = Object.fromEntries(
        Object.entries(COLUMN).map(([key, names]) => [
          key,
          Math.max(-1, ...names.map((n) => cells.indexOf(n))),
        ]),
      ) as Record<Column, number>;
      const missing = (['transaction', 'order', 'kind', 'amount'] as const).filter((c) => positions[c] < 0);
      if (missing.length > 0 || (!sawTitle && positions.finished < 0)) {
        throw new BillFormatError('alipay', EXPECTED, excerpt(line), number);
      }
      header = cells;
      index = positions;
      continue;
    }
    if (ended)
      throw new BillFormatError(
        'alipay',
        'nothing but # lines after 业务明细列表结束',
        excerpt(line),
        number,
      );
    let cells: string[];
    try {
      cells = csvCells(line);
    } catch (error) {
      if (!(error instanceof BillCellsError)) throw error;
      reject(number, 'cells separated by commas', `${error.message} in ${excerpt(line)}`);
      continue;
    }
    if (cells.length !== header.length) {
      reject(number, `${header.length} columns as in the header`, `${cells.length} in ${excerpt(line)}`);
      continue;
    }
    const columns = index;
    const value = (column: Column) => cellAt(cells, columns, column);
    const kind = value('kind') ?? '';
    if (kind !== '交易' && kind !== '退款') {
      countSkipped(summary, kind);
      continue;
    }
    const timeText = value('finished') || value('created') || '';
    const paidAt = parseChinaLocalTime(timeText);
    if (paidAt === undefined) {
      reject(number, '完成时间 as yyyy-MM-dd HH:mm:ss', excerpt(timeText));
      continue;
    }
    const amountText = value('amount') ?? '';
    const amount = tryYuanToFen(amountText);
    if (amount === undefined) {
      reject(number, 'an amount in yuan', excerpt(amountText));
      continue;
    }
    const isRefund = kind === '退款';
    const storeId = value('store');
    const refundNo = value('refundNo');
    yield new ParsedBillRow(
      {
        provider: 'alipay',
        transactionId: value('transaction') ?? '',
        merchantOrderNo: value('order') ?? '',
        paidAt,
        amountFen: isRefund ? -Math.abs(amount) : amount,
        kind: isRefund ? 'refund' : 'payment',
        ...(storeId ? { storeId } : {}),
        deviceId: value('device') ?? '',
        ...(isRefund && refundNo ? { refundNo } : {}),
        line: number,
      },
      header,
      cells,
    );
  }
  if (!header) throw new BillFormatError('alipay', EXPECTED, sawTitle ? 'no column header' : 'an empty file');
  summary.header = header;
  options.onSummary?.(summary);
}
