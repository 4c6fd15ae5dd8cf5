import {
  BillFormatError,
  type BillParseOptions,
  type BillRow,
  type BillSummary,
  countSkipped,
  excerpt,
} from './bill-row.ts';
import { billLines, csvCells, splitsPlainly } from './bill-text.ts';
import {
  cellAt,
  columnPositions,
  detailCells,
  linesUpWithHeader,
  rowAmount,
  rowRejecter,
  rowTime,
  tradeRow,
} from './detail-rows.ts';

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

  const reject = rowRejecter('alipay', options);

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
      const positions = columnPositions(COLUMN, cells);
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
    const cells = detailCells(line, number, csvCells, reject);
    if (!cells || !linesUpWithHeader(line, cells, header, number, reject)) continue;
    const columns = index;
    const value = (column: Column) => cellAt(cells, columns, column, clean);
    const kind = value('kind') ?? '';
    if (kind !== '交易' && kind !== '退款') {
      countSkipped(summary, kind);
      continue;
    }
    const paidAt = rowTime(value('finished') || value('created') || '', '完成时间', number, reject);
    if (paidAt === undefined) continue;
    const amount = rowAmount(value('amount') ?? '', number, reject);
    if (amount === undefined) continue;
    yield tradeRow(
      {
        provider: 'alipay',
        transactionId: value('transaction') ?? '',
        merchantOrderNo: value('order') ?? '',
        paidAt,
        amountFen: amount,
        isRefund: kind === '退款',
        storeId: value('store'),
        deviceId: value('device') ?? '',
        refundNo: value('refundNo'),
        line: number,
      },
      header,
      cells,
      splitsPlainly(line) ? line : undefined,
    );
  }
  if (!header) throw new BillFormatError('alipay', EXPECTED, sawTitle ? 'no column header' : 'an empty file');
  summary.header = header;
  options.onSummary?.(summary);
}
