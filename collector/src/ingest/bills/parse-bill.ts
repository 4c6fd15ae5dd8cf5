// The one entry point the HTTP route and the CLI use: provider name → its streaming parser.

import { parseAlipayTradeBill } from './alipay-trade-bill.ts';
import type { BillProvider, BillRow } from './bill-row.ts';
import { type BillParseOptions, parseWechatpayTradeBill } from './wechatpay-trade-bill.ts';

export function parseBill(
  provider: BillProvider,
  input: AsyncIterable<Uint8Array | string>,
  options: BillParseOptions = {},
): AsyncGenerator<BillRow> {
  return provider === 'wechatpay'
    ? parseWechatpayTradeBill(input, options)
    : parseAlipayTradeBill(input, options);
}
