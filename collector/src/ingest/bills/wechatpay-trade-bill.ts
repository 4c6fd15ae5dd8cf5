import {
  BillFormatError,
  type BillParseOptions,
  type BillRow,
  type BillSummary,
  cleanCell,
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

const clean = cleanCell;

// The summary is a header and one row; anything much longer after 总交易单数 is not a WeChat bill.
const MAX_SUMMARY_LINES = 8;

/** Whether wechatCells splits this line at commas, so that its cells comma-joined give it back. */
const wechatSplitsPlainly = (line: string) => line.startsWith('`') || splitsPlainly(line);

/** A WeChat detail row into its cells, each keeping its backtick (so the cells rejoin into the line). */
export function wechatCells(line: string): string[] {
  if (!line.startsWith('`')) return csvCells(line);
  const cells = line.split(',`');
  for (let i = 1; i < cells.length; i++) cells[i] = `\`${cells[i]}`;
  return cells;
}

// A bill's attach cells repeat (one per store): each distinct one is read once per bill.
const MAX_ATTACHES_KEPT = 4096;

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

  const reject = rowRejecter('wechatpay', options);
  const storeOfAttach = new Map<string, string | undefined>();
  const storeOf = (attach: string | undefined) => {
    if (attach === undefined) return undefined;
    if (storeOfAttach.has(attach)) return storeOfAttach.get(attach);
    const store = storeFromAttach(attach);
    if (storeOfAttach.size >= MAX_ATTACHES_KEPT) storeOfAttach.clear();
    storeOfAttach.set(attach, store);
    return store;
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
      const positions = columnPositions(COLUMN, cells);
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
    const cells = detailCells(line, number, wechatCells, reject);
    if (!cells) continue;
    if (clean(cells[0] ?? '') === SUMMARY_HEADER) {
      inSummary = true;
      summaryHeader = cells.map(clean);
      summary.lines.push(line);
      continue;
    }
    if (!linesUpWithHeader(line, cells, header, number, reject)) continue;
    const columns = index;
    const value = (column: Column) => cellAt(cells, columns, column, clean);
    const status = value('status') ?? '';
    if (status !== 'SUCCESS' && status !== 'REFUND') {
      countSkipped(summary, status);
      continue;
    }
    const paidAt = rowTime(value('time') ?? '', '交易时间', number, reject);
    if (paidAt === undefined) continue;
    const isRefund = status === 'REFUND';
    const amountText =
      (isRefund ? (value('refundAmount') ?? value('orderAmount')) : value('orderAmount')) ?? '';
    const amount = rowAmount(amountText, number, reject);
    if (amount === undefined) continue;
    const refundNo = value('refundNo');
    yield tradeRow(
      {
        provider: 'wechatpay',
        transactionId: value('transaction') ?? '',
        merchantOrderNo: value('order') ?? '',
        paidAt,
        amountFen: amount,
        isRefund,
        storeId: storeOf(value('attach')),
        deviceId: value('device') ?? '',
        refundNo: refundNo === '0' ? undefined : refundNo,
        line: number,
      },
      header,
      cells,
      wechatSplitsPlainly(line) ? line : undefined,
    );
  }
  if (!header) throw new BillFormatError('wechatpay', EXPECTED, 'an empty file');
  summary.header = header;
  options.onSummary?.(summary);
}
