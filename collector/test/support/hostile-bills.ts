// WeChat bill files for tests: plain ones of any length, and hostile ones built cheaply (gzip allows
// members to be concatenated, so one small compressed block repeated stands for a body that expands
// to any size without ever being held expanded here).
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const WECHAT_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
export const WECHAT_SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
export const WECHAT_SUMMARY_ROW = '`1,`0.01,`0.00,`0.00,`0.00000,`0.01,`0.00';

/** One 27-column WeChat detail row; `product` and `attach` go in as given (WeChat does not quote). */
export function wechatRow(fields: {
  time?: string;
  device?: string;
  txn: string;
  order: string;
  yuan: string;
  product?: string;
  attach?: string;
}): string {
  const f = { time: '2024-06-03 10:00:00', device: 'POS-1', product: 'tea', attach: '', ...fields };
  return [
    f.time,
    'wx1',
    '1900000001',
    '0',
    f.device,
    f.txn,
    f.order,
    'openid',
    'MICROPAY',
    'SUCCESS',
    'OTHERS',
    'CNY',
    f.yuan,
    '0.00',
    '0',
    '0',
    '0.00',
    '0.00',
    '',
    '',
    f.product,
    f.attach,
    '0.00000',
    '0.60%',
    f.yuan,
    '0.00',
    '',
  ]
    .map((v) => `\`${v}`)
    .join(',');
}

/**
 * A day's WeChat bill of `rows` one-yuan payments, a second apart from midnight, with its summary:
 * line i has transaction `42<yyyymmdd><i>` and order `<orderPrefix>-<day>-<i>`.
 */
export function oneYuanBill(day: string, rows: number, orderPrefix: string): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const lines = [WECHAT_HEADER];
  for (let i = 0; i < rows; i++) {
    const time = `${day} ${two(Math.floor(i / 3600) % 24)}:${two(Math.floor(i / 60) % 60)}:${two(i % 60)}`;
    lines.push(
      wechatRow({
        time,
        txn: `42${day.replaceAll('-', '')}${i}`,
        order: `${orderPrefix}-${day}-${i}`,
        yuan: '1.00',
      }),
    );
  }
  lines.push(WECHAT_SUMMARY_HEADER, `\`${rows},\`${rows}.00,\`0.00,\`0.00,\`0.00000,\`${rows}.00,\`0.00`);
  return `${lines.join('\n')}\n`;
}

/** `block` gzipped once and repeated `times` as concatenated members. */
export function repeatedGzip(block: string | Buffer, times: number, prefix = ''): Buffer {
  const member = gzipSync(block);
  return Buffer.concat([gzipSync(prefix), ...Array.from({ length: times }, () => member)]);
}

/** A WeChat bill whose single line runs to `bytes` with no newline (40 MB from a ~40 KB gzip). */
export const singleLineBomb = (bytes: number) => repeatedGzip('A'.repeat(1024 * 1024), bytes / (1024 * 1024));

/** A WeChat bill with a header, one row, the summary header, then `copies` more summary rows. */
export const summaryBomb = (copies: number) =>
  repeatedGzip(
    `${WECHAT_SUMMARY_ROW}\n`.repeat(10_000),
    Math.ceil(copies / 10_000),
    `${WECHAT_HEADER}\n${wechatRow({ txn: '4200000001', order: 'S1-1', yuan: '0.01' })}\n${WECHAT_SUMMARY_HEADER}\n`,
  );

/** Nothing but empty lines, expanding about a thousandfold: only the compression ratio stops it. */
export const blankLinesBomb = (bytes: number) =>
  repeatedGzip('\n'.repeat(1024 * 1024), bytes / (1024 * 1024));

/** A bill that compresses only modestly (random order numbers), `bytes` long after decompression. */
export function plainLargeBill(bytes: number): Buffer {
  const lines = [WECHAT_HEADER];
  let size = WECHAT_HEADER.length;
  while (size < bytes) {
    const line = wechatRow({
      txn: randomBytes(14).toString('hex'),
      order: randomBytes(10).toString('hex'),
      yuan: '1.00',
    });
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return gzipSync(`${lines.join('\n')}\n`);
}
