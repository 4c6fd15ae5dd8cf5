// alipay.trade.query: its request signature against the official alipay-sdk, the raw-node response
// signature, the mapping, and the round trip against the loopback gateway that checks every request.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alipayTimestamp,
  requestSignContent,
  signRequest,
  tradeQueryParams,
} from '../../src/provider-queries/alipay/gateway-request.ts';
import {
  readTradeQueryNode,
  topLevelSpans,
  verifiedResponseNode,
} from '../../src/provider-queries/alipay/gateway-response.ts';
import { createAlipayQueryClient } from '../../src/provider-queries/alipay/query-client.ts';
import { FakeAlipayGateway } from '../../src/simulator/provider-apis/alipay-gateway.ts';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_ID = '2021000000000000';
const pem = (key: typeof app.privateKey, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

function sdk(gateway?: string): AlipaySdk {
  return new AlipaySdk({
    appId: APP_ID,
    privateKey: pem(app.privateKey, 'pkcs8'),
    keyType: 'PKCS8',
    alipayPublicKey: pem(alipay.publicKey, 'spki'),
    ...(gateway && { gateway }),
  });
}

describe('the request signature, against alipay-sdk', () => {
  it('signs the same parameters to the same sign', () => {
    const theirs = new URLSearchParams(
      sdk().sdkExecute('alipay.trade.query', {
        format: 'JSON',
        bizContent: { outTradeNo: 'ORD20240601000123' },
      }),
    );
    const timestamp = theirs.get('timestamp')!;
    expect(timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const ours = signRequest(
      tradeQueryParams({ appId: APP_ID, outTradeNo: 'ORD20240601000123', timestamp }),
      app.privateKey,
    );
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs));
    expect(ours.get('sign')).toMatch(/^[A-Za-z0-9+/]{300,}={0,2}$/);
  });

  it('signs sign_type but not sign, and leaves out empty values', () => {
    const params = new Map([
      ['b', '2'],
      ['sign', 'x'],
      ['a', '1'],
      ['sign_type', 'RSA2'],
      ['empty', ''],
    ]);
    expect(requestSignContent(params)).toBe('a=1&b=2&sign_type=RSA2');
  });

  it('writes the timestamp in China time', () => {
    expect(alipayTimestamp(Date.parse('2024-06-01T02:15:30Z'))).toBe('2024-06-01 10:15:30');
    expect(alipayTimestamp(Date.parse('2024-12-31T16:00:00.999Z'))).toBe('2025-01-01 00:00:00');
  });
});

describe('the response signature', () => {
  const node =
    '{"code":"10000","msg":"Success","out_trade_no":"A1","trade_status":"WAIT_BUYER_PAY","total_amount":"1.00","note":"a \\"}\\" inside"}';
  const signed = (text: string, key = alipay.privateKey) =>
    `{"alipay_trade_query_response":${text},"sign":"${createSign('sha256').update(text).sign(key, 'base64')}"}`;

  it('cuts the response node out exactly as sent, whatever it contains', () => {
    const text = `{ "alipay_trade_query_response" : ${node} , "sign":"abc" }`;
    expect(topLevelSpans(text)?.get('alipay_trade_query_response')).toBe(node);
    expect(topLevelSpans(text)?.get('sign')).toBe('"abc"');
    expect(topLevelSpans('not json')).toBeUndefined();
  });

  it('accepts what Alipay’s key signed and refuses another key, a changed node or no sign', () => {
    expect(verifiedResponseNode(signed(node), alipay.publicKey)).toMatchObject({
      ok: true,
      node: { trade_status: 'WAIT_BUYER_PAY' },
    });
    expect(verifiedResponseNode(signed(node, app.privateKey), alipay.publicKey).ok).toBe(false);
    expect(
      verifiedResponseNode(signed(node).replace('WAIT_BUYER_PAY', 'TRADE_SUCCESS'), alipay.publicKey).ok,
    ).toBe(false);
    expect(verifiedResponseNode(`{"alipay_trade_query_response":${node}}`, alipay.publicKey).ok).toBe(false);
  });
});

describe('reading the response node', () => {
  const read = (node: Record<string, unknown>) =>
    readTradeQueryNode({ code: '10000', msg: 'Success', out_trade_no: 'A1', ...node }, 'A1', 7);
  const paid = {
    trade_no: '2024060122001400000000000001',
    total_amount: '128.00',
    send_pay_date: '2024-06-01 10:15:30',
  };

  it('maps every trade_status', () => {
    for (const status of ['TRADE_SUCCESS', 'TRADE_FINISHED']) {
      expect(read({ ...paid, trade_status: status })).toEqual({
        kind: 'paid',
        providerState: status,
        transactionId: '2024060122001400000000000001',
        amountFen: 12800,
        paidAt: Date.parse('2024-06-01T02:15:30Z'),
      });
    }
    expect(read({ trade_status: 'WAIT_BUYER_PAY' })).toEqual({
      kind: 'not_paid',
      providerState: 'WAIT_BUYER_PAY',
    });
    expect(read({ trade_status: 'TRADE_CLOSED' })).toEqual({ kind: 'closed', providerState: 'TRADE_CLOSED' });
    expect(read({ trade_status: 'TRADE_PENDING' })).toMatchObject({ kind: 'error', reason: 'bad_reply' });
  });

  it('takes ACQ.TRADE_NOT_EXIST as not found and other codes as errors', () => {
    expect(
      readTradeQueryNode({ code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' }, 'A1', 7),
    ).toEqual({ kind: 'not_found' });
    expect(readTradeQueryNode({ code: '20000', sub_code: 'isp.unknow-error' }, 'A1', 7)).toMatchObject({
      kind: 'error',
      reason: 'provider_error',
      message: 'code 20000 isp.unknow-error',
    });
  });

  it('does not believe a paid answer about another order or without amount', () => {
    expect(read({ ...paid, trade_status: 'TRADE_SUCCESS', out_trade_no: 'A2' })).toMatchObject({
      kind: 'error',
    });
    expect(read({ ...paid, trade_status: 'TRADE_SUCCESS', total_amount: '12.345' })).toMatchObject({
      kind: 'error',
    });
    expect(read({ ...paid, trade_status: 'TRADE_SUCCESS', send_pay_date: undefined })).toMatchObject({
      kind: 'paid',
      paidAt: 7,
    });
  });
});

describe('the client against the loopback gateway', () => {
  const gateway = new FakeAlipayGateway({
    appId: APP_ID,
    appPublicKey: app.publicKey,
    alipayPrivateKey: alipay.privateKey,
  });
  const client = (appPrivateKey = app.privateKey) =>
    createAlipayQueryClient({
      appId: APP_ID,
      appPrivateKey,
      alipayPublicKey: alipay.publicKey,
      gateway: gateway.gateway,
      timeoutMs: 5_000,
    });

  beforeAll(async () => {
    await gateway.listen();
    gateway.trades.set('PAID-1', {
      status: 'TRADE_SUCCESS',
      totalAmount: '25.90',
      tradeNo: '2026111122001400000000000001',
      sendPayDate: '2026-11-11 10:01:00',
    });
    gateway.trades.set('OPEN-1', { status: 'WAIT_BUYER_PAY', totalAmount: '9.90' });
    gateway.trades.set('CLOSED-1', { status: 'TRADE_CLOSED', totalAmount: '9.90' });
  });
  afterAll(() => gateway.close());

  it('gets paid, not paid, closed and not found from signed requests and verified answers', async () => {
    expect(await client().query('PAID-1')).toEqual({
      kind: 'paid',
      providerState: 'TRADE_SUCCESS',
      transactionId: '2026111122001400000000000001',
      amountFen: 2590,
      paidAt: Date.parse('2026-11-11T02:01:00Z'),
    });
    expect(await client().query('OPEN-1')).toEqual({ kind: 'not_paid', providerState: 'WAIT_BUYER_PAY' });
    expect(await client().query('CLOSED-1')).toEqual({ kind: 'closed', providerState: 'TRADE_CLOSED' });
    expect(await client().query('NOBODY')).toEqual({ kind: 'not_found' });
    expect(gateway.requests.map((r) => r.signatureOk)).toEqual([true, true, true, true]);
  });

  it('turns a forged or unsigned answer, a gateway error and an HTTP failure into errors', async () => {
    gateway.fault('PAID-1', 'bad_signature', 'unsigned', 'error', 'http_error');
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'signature' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'signature' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'provider_error' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'http' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'paid' });
  });

  it('is refused isv.invalid-signature when it signs with a key the app did not register', async () => {
    expect(await client(alipay.privateKey).query('PAID-1')).toMatchObject({
      kind: 'error',
      reason: 'provider_error',
      message: 'code 40002 isv.invalid-signature',
    });
    expect(gateway.requests.at(-1)).toMatchObject({ outTradeNo: 'PAID-1', signatureOk: false });
  });

  it('answers the SDK’s own requests, and the SDK verifies its answers', async () => {
    const before = gateway.requests.length;
    const result = await sdk(gateway.gateway).exec(
      'alipay.trade.query',
      { bizContent: { outTradeNo: 'PAID-1' } },
      { validateSign: true },
    );
    expect(result).toMatchObject({
      code: '10000',
      outTradeNo: 'PAID-1',
      tradeStatus: 'TRADE_SUCCESS',
      totalAmount: '25.90',
    });
    const missing = await sdk(gateway.gateway).exec(
      'alipay.trade.query',
      { bizContent: { outTradeNo: 'NOBODY' } },
      { validateSign: true },
    );
    expect(missing).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
    expect(gateway.requests.slice(before).map((r) => r.signatureOk)).toEqual([true, true]);
    gateway.fault('PAID-1', 'bad_signature');
    await expect(
      sdk(gateway.gateway).exec(
        'alipay.trade.query',
        { bizContent: { outTradeNo: 'PAID-1' } },
        { validateSign: true },
      ),
    ).rejects.toThrow(/验签失败/);
  });
});
