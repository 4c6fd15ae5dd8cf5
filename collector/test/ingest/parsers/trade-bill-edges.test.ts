// Both trade-bill parsers at their edges, on small bills built in the formats the providers document:
// which columns a bill must have and which name of a column wins, the amounts of coupon and refund rows,
// the store in WeChat's attach, blank lines, the summary and footer limits, Alipay's title, padding and
// totals, and every message a refused bill or a reported row carries.
import { describe, expect, it } from 'vitest';
import { parseAlipayTradeBill } from '../../../src/ingest/bills/alipay-trade-bill.ts';
import type {
  BillParseOptions,
  BillRow,
  BillSummary,
  RejectedRow,
} from '../../../src/ingest/bills/bill-row.ts';
import { parseBill } from '../../../src/ingest/bills/parse-bill.ts';
import { parseWechatpayTradeBill } from '../../../src/ingest/bills/wechatpay-trade-bill.ts';

async function* chunked(text: string): AsyncGenerator<string> {
  yield text;
}

interface Read {
  rows: BillRow[];
  summary: BillSummary | undefined;
  rejected: RejectedRow[];
}

async function read(
  parse: (input: AsyncIterable<string>, options: BillParseOptions) => AsyncIterable<BillRow>,
  text: string,
  report = false,
): Promise<Read> {
  const out: Read = { rows: [], summary: undefined, rejected: [] };
  const options: BillParseOptions = {
    onSummary: (s) => {
      out.summary = s;
    },
    ...(report ? { onRejected: (r: RejectedRow) => out.rejected.push(r) } : {}),
  };
  for await (const row of parse(chunked(text), options)) out.rows.push(row);
  return out;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

const cst = (local: string) => Date.parse(`${local.replace(' ', 'T')}+08:00`);

// The 27 columns of the current WeChat Pay trade bill (PROVIDERS.md 3.1).
const WECHAT_27 = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;

const WECHAT_DEFAULTS: Record<string, string> = {
  交易时间: '2024-06-01 10:15:30',
  公众账号ID: 'wx1234567890abcdef',
  商户号: '1900000001',
  特约商户号: '0',
  设备号: 'POS-7',
  微信订单号: '4200001234202406011234567890',
  商户订单号: 'ORD1',
  用户标识: 'oUpF8u',
  交易类型: 'JSAPI',
  交易状态: 'SUCCESS',
  付款银行: 'OTHERS',
  货币种类: 'CNY',
  应结订单金额: '1.00',
  代金券金额: '0.00',
  微信退款单号: '0',
  商户退款单号: '0',
  退款金额: '0.00',
  充值券退款金额: '0.00',
  退款类型: '',
  退款状态: '',
  商品名称: 'tea',
  商户数据包: '',
  手续费: '0.00600',
  费率: '0.60%',
  订单金额: '1.00',
  申请退款金额: '0.00',
  费率备注: '',
};

/** A WeChat detail row for `header`: every value backtick-prefixed, as WeChat writes them. */
const wechatRow = (header: readonly string[], values: Record<string, string> = {}) =>
  header.map((name) => `\`${values[name] ?? WECHAT_DEFAULTS[name] ?? ''}`).join(',');

const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

const wechatBill = (
  header: readonly string[],
  rows: Record<string, string>[],
  tail = [SUMMARY, '`1,`1.00,`0.00,`0.00,`0.00600,`1.00,`0.00'],
) => `${[header.join(','), ...rows.map((r) => wechatRow(header, r)), ...tail].join('\r\n')}\r\n`;

const WECHAT_EXPECTED =
  'a WeChat Pay trade bill (CSV whose first line is the header 交易时间,公众账号ID,商户号,…,微信订单号,商户订单号,…)';

describe('WeChat Pay trade bill', () => {
  it('names what it expected and the line it found', async () => {
    const error = await refusal(read(parseWechatpayTradeBill, '\n  \nhello,world\n'));
    expect(error?.message).toBe(`line 3: expected ${WECHAT_EXPECTED}; found "hello,world"`);
    const empty = await refusal(read(parseWechatpayTradeBill, '\n\t\n\r\n'));
    expect(empty?.message).toBe(`expected ${WECHAT_EXPECTED}; found an empty file`);
    const quoting = await refusal(read(parseWechatpayTradeBill, '"交易时间,微信订单号\n'));
    expect(quoting?.message).toBe(`line 1: expected ${WECHAT_EXPECTED}; found "\\"交易时间,微信订单号"`);
  });

  it.each([['交易时间'], ['微信订单号'], ['商户订单号'], ['交易状态'], ['订单金额', '应结订单金额']])(
    'refuses a header without %s',
    async (...missing) => {
      const header = WECHAT_27.filter((name) => !missing.includes(name));
      const error = await refusal(read(parseWechatpayTradeBill, wechatBill(header, [{}])));
      expect(error?.message).toMatch(/^line 1: expected a WeChat Pay trade bill/);
    },
  );

  it('reads a bill of only the five columns it needs; a refund there is its order amount', async () => {
    const header = ['交易时间', '微信订单号', '商户订单号', '交易状态', '订单金额'];
    const { rows } = await read(
      parseWechatpayTradeBill,
      wechatBill(header, [{ 订单金额: '5.00' }, { 交易状态: 'REFUND', 订单金额: '2.00' }]),
    );
    expect(rows.map((r) => ({ ...r }))).toEqual([
      expect.objectContaining({ amountFen: 500, kind: 'payment', deviceId: '', storeId: undefined }),
      expect.objectContaining({ amountFen: -200, kind: 'refund', refundNo: undefined }),
    ]);
  });

  it('takes 订单金额 over 应结订单金额 and 申请退款金额 over 退款金额', async () => {
    const { rows } = await read(
      parseWechatpayTradeBill,
      wechatBill(WECHAT_27, [
        { 应结订单金额: '90.00', 代金券金额: '10.00', 订单金额: '100.00' },
        {
          交易状态: 'REFUND',
          应结订单金额: '0.00',
          订单金额: '0.00',
          退款金额: '27.00',
          申请退款金额: '28.00',
        },
      ]),
    );
    expect(rows.map((r) => r.amountFen)).toEqual([10000, -2800]);
  });

  it('reads 应结订单金额 when the bill has no 订单金额', async () => {
    const header = WECHAT_27.filter((name) => name !== '订单金额');
    const { rows } = await read(parseWechatpayTradeBill, wechatBill(header, [{ 应结订单金额: '90.00' }]));
    expect(rows.map((r) => r.amountFen)).toEqual([9000]);
  });

  it('reads the older bill whose columns are 总金额 and 退款金额', async () => {
    const header = [
      ...WECHAT_27.slice(0, 12),
      '总金额',
      '企业红包金额',
      '微信退款单号',
      '商户退款单号',
      '退款金额',
    ];
    const { rows } = await read(
      parseWechatpayTradeBill,
      wechatBill(header, [
        { 总金额: '5.00' },
        { 交易状态: 'REFUND', 总金额: '0.00', 微信退款单号: '50000000382024', 退款金额: '2.00' },
      ]),
    );
    expect(rows.map((r) => [r.amountFen, r.refundNo])).toEqual([
      [500, undefined],
      [-200, '50000000382024'],
    ]);
  });

  it('takes a refund number of 0 for none', async () => {
    const { rows } = await read(
      parseWechatpayTradeBill,
      wechatBill(WECHAT_27, [{ 交易状态: 'REFUND', 微信退款单号: '0', 申请退款金额: '1.00' }]),
    );
    expect(rows[0]?.refundNo).toBeUndefined();
    expect(rows[0]?.kind).toBe('refund');
  });

  it('takes the store from a JSON attach whose store_id is a text of 1 to 64 characters', async () => {
    const attaches = [
      `{"store_id":"${'s'.repeat(64)}"}`,
      `{"store_id":"${'s'.repeat(65)}"}`,
      '{"store_id":["S1"]}',
      '{"store_id":""}',
      '{"store":"S1"}',
      '{store_id:S1}',
      '["S1"]',
      'store_id=S1',
    ];
    const { rows } = await read(
      parseWechatpayTradeBill,
      wechatBill(
        WECHAT_27,
        attaches.map((a) => ({ 商户数据包: a })),
      ),
    );
    expect(rows.map((r) => r.storeId)).toEqual(['s'.repeat(64), ...attaches.slice(1).map(() => undefined)]);
  });

  it('splits a row at comma-backtick even when its last cell is not empty', async () => {
    const { rows } = await read(
      parseWechatpayTradeBill,
      wechatBill(WECHAT_27, [{ 商品名称: '苹果,香蕉', 费率备注: '免费' }]),
    );
    expect(rows[0]?.raw).toMatchObject({ 商品名称: '苹果,香蕉', 费率备注: '免费' });
  });

  it('skips blank and white-space lines between rows', async () => {
    const bill = wechatBill(WECHAT_27, [{ 商户订单号: 'A' }, { 商户订单号: 'B' }]).replace(
      /\r\n`/,
      '\r\n\r\n \t \r\n`',
    );
    const { rows } = await read(parseWechatpayTradeBill, bill);
    expect(rows.map((r) => [r.merchantOrderNo, r.line])).toEqual([
      ['A', 4],
      ['B', 5],
    ]);
  });

  it('reports a row with unreadable quoting and reads on', async () => {
    const bill = wechatBill(WECHAT_27, [{}]).replace('\r\n`', '\r\n"x,y\r\n`');
    const { rows, rejected } = await read(parseWechatpayTradeBill, bill, true);
    expect(rows.map((r) => r.line)).toEqual([3]);
    expect(rejected).toEqual([
      {
        line: 2,
        message: expect.stringMatching(
          /^expected cells separated by commas; found unreadable quoting \(.+\) in "\\"x,y"$/,
        ),
      },
    ]);
  });

  it('keeps the summary as found: its lines, the first row’s count, the header', async () => {
    const { summary } = await read(
      parseWechatpayTradeBill,
      wechatBill(WECHAT_27, [{}], [SUMMARY, '`1,`1.00', '`9,`9.00']),
    );
    expect(summary).toEqual({
      provider: 'wechatpay',
      declaredRows: 1,
      skipped: {},
      lines: [SUMMARY, '`1,`1.00', '`9,`9.00'],
      header: [...WECHAT_27],
    });
  });

  it('declares no count when the summary row has none it can read', async () => {
    for (const row of ['`many,`1.00', '`1.5,`1.00', '"3,1.00']) {
      const { summary } = await read(parseWechatpayTradeBill, wechatBill(WECHAT_27, [{}], [SUMMARY, row]));
      expect(summary?.declaredRows).toBeUndefined();
      expect(summary?.lines).toEqual([SUMMARY, row]);
    }
  });

  it('takes seven lines after the summary header, and refuses an eighth', async () => {
    const seven = Array.from({ length: 7 }, () => '`1,`1.00');
    const { summary } = await read(parseWechatpayTradeBill, wechatBill(WECHAT_27, [{}], [SUMMARY, ...seven]));
    expect(summary?.lines).toHaveLength(8);
    const error = await refusal(
      read(parseWechatpayTradeBill, wechatBill(WECHAT_27, [{}], [SUMMARY, ...seven, '`1,`1.00'])),
    );
    expect(error?.message).toBe(
      'line 11: expected the summary row and nothing more after the summary header 总交易单数; found more than 8 lines',
    );
  });

  it('is what parseBill reads for wechatpay', async () => {
    const rows: BillRow[] = [];
    for await (const row of parseBill('wechatpay', chunked(wechatBill(WECHAT_27, [{}])))) rows.push(row);
    expect(rows.map((r) => [r.provider, r.amountFen])).toEqual([['wechatpay', 100]]);
  });
});

// The 25 columns of Alipay's 业务明细 (PROVIDERS.md 3.2).
const ALIPAY_25 = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

const ALIPAY_DEFAULTS: Record<string, string> = {
  支付宝交易号: '2019091622001458860515315453\t',
  商户订单号: 'service_1568601259302\t',
  业务类型: '交易\t',
  商品名称: '下单测试',
  创建时间: '2019-09-16 10:55:16',
  完成时间: '2019-09-16 10:55:23',
  门店编号: 'S042\t',
  门店名称: '静安店\t',
  操作员: 'alipay\t',
  终端号: 'T-1\t',
  对方账户: '*津水(602***@qq.com)\t',
  '订单金额（元）': '0.01',
  '商家实收（元）': '0.01',
  '退款批次号/请求号': '\t',
};

const TITLE = [
  '#支付宝业务明细查询',
  '#账号：[20880211096256330156]',
  '#起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]',
  '#-----------------------------------------业务明细列表----------------------------------------',
];
const FOOTER = [
  '#-----------------------------------------业务明细列表结束------------------------------------',
  '#交易合计：1笔，商家实收共0.01元，商家优惠共0.00元',
  '#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元',
  '#导出时间：[2019年09月17日 06:27:10]',
];

const alipayRow = (header: readonly string[], values: Record<string, string> = {}) =>
  header.map((name) => values[name] ?? ALIPAY_DEFAULTS[name] ?? '0.00').join(',');

const alipayBill = (
  rows: Record<string, string>[],
  { header = ALIPAY_25 as readonly string[], title = TITLE, footer = FOOTER } = {},
) => `${[...title, header.join(','), ...rows.map((r) => alipayRow(header, r)), ...footer].join('\r\n')}\r\n`;

const ALIPAY_EXPECTED =
  'an Alipay 业务明细 bill (CSV, GBK, "#支付宝业务明细查询" lines then the header 支付宝交易号,商户订单号,业务类型,…)';

describe('Alipay 业务明细 bill', () => {
  it('names what it expected and what it found', async () => {
    const error = await refusal(read(parseAlipayTradeBill, 'hello,world\n'));
    expect(error?.message).toBe(`line 1: expected ${ALIPAY_EXPECTED}; found "hello,world"`);
    expect((await refusal(read(parseAlipayTradeBill, '\r\n')))?.message).toBe(
      `expected ${ALIPAY_EXPECTED}; found an empty file`,
    );
    expect((await refusal(read(parseAlipayTradeBill, `${TITLE.join('\n')}\n`)))?.message).toBe(
      `expected ${ALIPAY_EXPECTED}; found no column header`,
    );
    const quoting = await refusal(read(parseAlipayTradeBill, `${TITLE.join('\n')}\n"支付宝交易号,x\n`));
    expect(quoting?.message).toBe(`line 5: expected ${ALIPAY_EXPECTED}; found "\\"支付宝交易号,x"`);
  });

  it.each(['支付宝交易号', '商户订单号', '业务类型', '订单金额（元）'])(
    'refuses a header without %s',
    async (missing) => {
      const header = ALIPAY_25.filter((name) => name !== missing);
      const error = await refusal(read(parseAlipayTradeBill, alipayBill([{}], { header })));
      expect(error?.message).toMatch(/^line 5: expected an Alipay 业务明细 bill/);
    },
  );

  it('needs the title line or a 完成时间 column to take a line for the header', async () => {
    const noFinished = ALIPAY_25.filter((name) => name !== '完成时间');
    // re-saved without the # lines: the header alone is enough when it has 完成时间
    const bare = await read(parseAlipayTradeBill, alipayBill([{}], { title: [] }));
    expect(bare.rows.map((r) => r.paidAt)).toEqual([cst('2019-09-16 10:55:23')]);
    // with the title, a bill without 完成时间 is dated by 创建时间
    const titled = await read(parseAlipayTradeBill, alipayBill([{}], { header: noFinished }));
    expect(titled.rows.map((r) => r.paidAt)).toEqual([cst('2019-09-16 10:55:16')]);
    for (const title of [[], ['#账号：[20880211096256330156]']]) {
      const error = await refusal(
        read(parseAlipayTradeBill, alipayBill([{}], { header: noFinished, title })),
      );
      expect(error?.message).toMatch(
        new RegExp(`^line ${title.length + 1}: expected an Alipay 业务明细 bill`),
      );
    }
  });

  it('dates a row without 完成时间 by its 创建时间', async () => {
    const { rows } = await read(parseAlipayTradeBill, alipayBill([{ 完成时间: '' }]));
    expect(rows[0]?.paidAt).toBe(cst('2019-09-16 10:55:16'));
  });

  it('cleans padding on both sides of a value, and reads a header with ASCII parentheses', async () => {
    const header = ALIPAY_25.map((name) => name.replace('（', '(').replace('）', ')'));
    const { rows, summary } = await read(
      parseAlipayTradeBill,
      alipayBill(
        [
          {
            支付宝交易号: '\t`2019091622001458860515315999 \t',
            门店编号: ' S042\t\t',
            终端号: '\tT-S042-2  ',
            '订单金额(元)': ' 100.10\t\t',
            业务类型: '\t退款 \t',
            '退款批次号/请求号': ' re_1\t\t',
          },
        ],
        { header },
      ),
    );
    expect({ ...rows[0] }).toMatchObject({
      transactionId: '2019091622001458860515315999',
      storeId: 'S042',
      deviceId: 'T-S042-2',
      amountFen: -10010,
      kind: 'refund',
      refundNo: 're_1',
    });
    expect(summary?.header).toEqual(header);
  });

  it('adds up the 交易合计 and 退款合计 counts, and counts no other line', async () => {
    const { summary } = await read(
      parseAlipayTradeBill,
      alipayBill([{}], {
        footer: [
          FOOTER[0] ?? '',
          '#交易合计:10374笔，商家实收共28790.16元',
          '#退款合计： 12 笔，商家实收退款共-3000.00元',
          '#注：#交易合计：9笔',
          '#导出时间：[2021年10月22日 06:27:10]',
        ],
      }),
    );
    expect(summary?.declaredRows).toBe(10386);
    expect(summary?.lines).toHaveLength(5);
  });

  it('takes sixteen # lines after the rows and refuses a seventeenth', async () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => `#${i}`);
    const { summary } = await read(parseAlipayTradeBill, alipayBill([{}], { footer: sixteen }));
    expect(summary?.lines).toEqual(sixteen);
    expect(summary?.declaredRows).toBeUndefined();
    const error = await refusal(
      read(parseAlipayTradeBill, alipayBill([{}], { footer: [...sixteen, '#16'] })),
    );
    expect(error?.message).toBe('line 23: expected at most 16 # lines after the rows; found more');
  });

  it('refuses a row after the footer', async () => {
    const error = await refusal(
      read(parseAlipayTradeBill, alipayBill([{}], { footer: [...FOOTER, alipayRow(ALIPAY_25)] })),
    );
    expect(error?.message).toMatch(
      /^line 11: expected nothing but # lines after 业务明细列表结束; found "2019091622001458860515315453 ,/,
    );
  });

  it('takes a header without title whose 完成时间 is its first column', async () => {
    const header = ['完成时间', ...ALIPAY_25.filter((name) => name !== '完成时间')];
    const { rows } = await read(parseAlipayTradeBill, alipayBill([{}], { header, title: [] }));
    expect(rows.map((r) => r.paidAt)).toEqual([cst('2019-09-16 10:55:23')]);
  });

  it('reports a row with neither time as an empty 完成时间, and reads a bill without 终端号', async () => {
    const { rejected } = await read(parseAlipayTradeBill, alipayBill([{ 完成时间: '', 创建时间: '' }]), true);
    expect(rejected).toEqual([{ line: 6, message: 'expected 完成时间 as yyyy-MM-dd HH:mm:ss; found ""' }]);
    const header = ALIPAY_25.filter((name) => name !== '终端号');
    const { rows } = await read(parseAlipayTradeBill, alipayBill([{}], { header }));
    expect(rows[0]?.deviceId).toBe('');
  });

  it('skips blank and white-space lines anywhere', async () => {
    const bill = alipayBill([{}, {}]).replace(/\r\n/g, '\r\n \t\r\n\r\n');
    const { rows, summary } = await read(parseAlipayTradeBill, bill);
    expect(rows.map((r) => r.line)).toEqual([16, 19]);
    expect(summary?.lines).toHaveLength(4);
  });

  it('counts a row of another business type as skipped', async () => {
    const { rows, summary } = await read(parseAlipayTradeBill, alipayBill([{ 业务类型: '其他\t' }, {}]));
    expect(rows).toHaveLength(1);
    expect(summary?.skipped).toEqual({ 其他: 1 });
  });

  it('reports rows it cannot read, each with its reason, and reads the rest', async () => {
    const { rows, rejected } = await read(
      parseAlipayTradeBill,
      alipayBill([
        { 完成时间: '2019-09-16' },
        { '订单金额（元）': '0.0.1' },
        { 商品名称: '"坏' },
        {},
        { 备注: 'a,b' },
      ]),
      true,
    );
    expect(rows.map((r) => r.line)).toEqual([9]);
    expect(rejected).toEqual([
      { line: 6, message: 'expected 完成时间 as yyyy-MM-dd HH:mm:ss; found "2019-09-16"' },
      { line: 7, message: 'expected an amount in yuan; found "0.0.1"' },
      {
        line: 8,
        message: expect.stringMatching(/^expected cells separated by commas; found unreadable quoting/),
      },
      { line: 10, message: expect.stringMatching(/^expected 25 columns as in the header; found 26 in /) },
    ]);
  });
});
