// The WeChat Pay order query: its signer against the wechatpay-axios-plugin SDK's, its answers read
// and verified, and the whole round trip against the loopback API that checks every signature.
import { generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decorator, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { PlatformKeySet } from '../../src/ingest/wechatpay/platform-keys.ts';
import { orderQueryUrl, readOrderQueryAnswer } from '../../src/provider-queries/wechatpay/order-query.ts';
import { createWechatPayQueryClient } from '../../src/provider-queries/wechatpay/query-client.ts';
import {
  authorizationHeader,
  parseAuthorization,
  requestSignMessage,
} from '../../src/provider-queries/wechatpay/request-signature.ts';
import { verifyResponseSignature } from '../../src/provider-queries/wechatpay/response-signature.ts';
import { FakeWechatPayApi } from '../../src/simulator/provider-apis/wechatpay-api.ts';

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchantKeys = keyPair();
const platformKeys = keyPair();
const MCHID = '1900000001';
const MERCHANT_SERIAL = '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C';
const PLATFORM_SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';
const merchant = { mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: merchantKeys.privateKey };
const platformKeySet = PlatformKeySet.from([
  { serial: PLATFORM_SERIAL, pem: platformKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
]);

describe('the request signature, against wechatpay-axios-plugin', () => {
  const url = orderQueryUrl('ORD20240601000123', MCHID);
  const fixed = {
    method: 'GET',
    url,
    timestamp: '1717208130',
    nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
    body: '',
  };

  it('signs the same string and produces the same Authorization parts for the same inputs', () => {
    expect(requestSignMessage(fixed)).toBe(Formatter.request('GET', url, fixed.timestamp, fixed.nonce, ''));
    const theirs = Formatter.authorization(
      MCHID,
      fixed.nonce,
      Rsa.sign(Formatter.request('GET', url, fixed.timestamp, fixed.nonce, ''), merchantKeys.privateKey),
      fixed.timestamp,
      MERCHANT_SERIAL,
    );
    const ours = authorizationHeader(merchant, fixed);
    expect(parseAuthorization(ours)).toEqual(parseAuthorization(theirs));
    expect(parseAuthorization(ours)?.signature).toMatch(/^[A-Za-z0-9+/]{300,}={0,2}$/);
  });

  it('produces a signature the SDK verifies, and one it refuses once the URL changes', () => {
    const signature = parseAuthorization(authorizationHeader(merchant, fixed))!.signature;
    const message = Formatter.request('GET', url, fixed.timestamp, fixed.nonce, '');
    expect(Rsa.verify(message, signature, merchantKeys.publicKey)).toBe(true);
    const other = Formatter.request(
      'GET',
      orderQueryUrl('ORD20240601000124', MCHID),
      fixed.timestamp,
      fixed.nonce,
      '',
    );
    expect(Rsa.verify(other, signature, merchantKeys.publicKey)).toBe(false);
  });

  it('encodes the order number into the path it signs', () => {
    expect(orderQueryUrl('A 1/2', MCHID)).toBe(`/v3/pay/transactions/out-trade-no/A%201%2F2?mchid=${MCHID}`);
  });
});

describe('the response signature', () => {
  const body = Buffer.from('{"out_trade_no":"A1","trade_state":"NOTPAY"}');
  const now = 1_717_208_130_000;
  const headersOf = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()] ?? null;
  const signedBy = (
    privateKey: typeof platformKeys.privateKey,
    signedBody: Buffer,
    timestamp = '1717208130',
  ) => ({
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': 'n0nce',
    'wechatpay-serial': PLATFORM_SERIAL,
    'wechatpay-signature': Rsa.sign(
      Formatter.response(timestamp, 'n0nce', signedBody.toString()),
      privateKey,
    ),
  });

  it('accepts an answer the SDK signs with the platform key', () => {
    expect(
      verifyResponseSignature(headersOf(signedBy(platformKeys.privateKey, body)), body, platformKeySet, now),
    ).toEqual({ ok: true });
  });

  it('refuses another body, another key, an unknown serial, a stale timestamp and missing headers', () => {
    const check = (headers: Record<string, string>, checkedBody = body) =>
      verifyResponseSignature(headersOf(headers), checkedBody, platformKeySet, now).ok;
    expect(check(signedBy(platformKeys.privateKey, body), Buffer.from('{"trade_state":"SUCCESS"}'))).toBe(
      false,
    );
    expect(check(signedBy(merchantKeys.privateKey, body))).toBe(false);
    expect(
      check({ ...signedBy(platformKeys.privateKey, body), 'wechatpay-serial': 'PUB_KEY_ID_OTHER' }),
    ).toBe(false);
    expect(check(signedBy(platformKeys.privateKey, body, '1717207830'))).toBe(false);
    const { 'wechatpay-nonce': _, ...withoutNonce } = signedBy(platformKeys.privateKey, body);
    expect(check(withoutNonce)).toBe(false);
  });
});

describe('reading an answer', () => {
  const expectFor = { outTradeNo: 'A1', mchid: MCHID };
  const read = (status: number, json: unknown) =>
    readOrderQueryAnswer(status, JSON.stringify(json), expectFor, 1);
  const transaction = (trade_state: string, extra: Record<string, unknown> = {}) => ({
    mchid: MCHID,
    out_trade_no: 'A1',
    trade_state,
    ...extra,
  });
  const paid = {
    transaction_id: '4200001234202406011234567890',
    success_time: '2024-06-01T10:15:30+08:00',
    amount: { total: 12800 },
  };

  it('maps every trade_state', () => {
    expect(read(200, transaction('SUCCESS', paid))).toEqual({
      kind: 'paid',
      providerState: 'SUCCESS',
      transactionId: '4200001234202406011234567890',
      amountFen: 12800,
      paidAt: Date.parse('2024-06-01T02:15:30Z'),
    });
    expect(read(200, transaction('REFUND', paid))).toMatchObject({ kind: 'refunded', amountFen: 12800 });
    for (const state of ['NOTPAY', 'USERPAYING', 'PAYERROR']) {
      expect(read(200, transaction(state))).toEqual({ kind: 'not_paid', providerState: state });
    }
    for (const state of ['CLOSED', 'REVOKED'])
      expect(read(200, transaction(state))).toEqual({ kind: 'closed', providerState: state });
    expect(read(200, transaction('SOMETHING_NEW'))).toMatchObject({ kind: 'error', reason: 'bad_reply' });
  });

  it('takes 404 ORDER_NOT_EXIST as not found and other failures as errors', () => {
    expect(read(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' })).toEqual({ kind: 'not_found' });
    expect(read(404, { code: 'RESOURCE_NOT_EXISTS', message: '?' })).toMatchObject({
      kind: 'error',
      reason: 'provider_error',
    });
    expect(read(429, { code: 'FREQUENCY_LIMITED', message: '频率超限' })).toMatchObject({
      kind: 'error',
      reason: 'rate_limited',
    });
    expect(read(500, { code: 'SYSTEM_ERROR', message: '系统错误' })).toMatchObject({
      kind: 'error',
      reason: 'http',
    });
    expect(readOrderQueryAnswer(200, '<html>', expectFor, 1)).toMatchObject({
      kind: 'error',
      reason: 'bad_reply',
    });
  });

  it('does not believe a paid answer about another order, or one without its transaction or amount', () => {
    expect(read(200, { ...transaction('SUCCESS', paid), out_trade_no: 'A2' })).toMatchObject({
      kind: 'error',
    });
    expect(read(200, { ...transaction('SUCCESS', paid), mchid: '1900000002' })).toMatchObject({
      kind: 'error',
    });
    expect(read(200, transaction('SUCCESS', { ...paid, transaction_id: undefined }))).toMatchObject({
      kind: 'error',
    });
    expect(read(200, transaction('SUCCESS', { ...paid, amount: { total: 1.5 } }))).toMatchObject({
      kind: 'error',
    });
  });
});

describe('the client against the loopback WeChat Pay API', () => {
  const api = new FakeWechatPayApi({
    mchid: MCHID,
    merchantSerial: MERCHANT_SERIAL,
    merchantPublicKey: merchantKeys.publicKey,
    platformPrivateKey: platformKeys.privateKey,
    platformSerial: PLATFORM_SERIAL,
  });
  const client = () =>
    createWechatPayQueryClient({
      merchant,
      platformKeys: platformKeySet,
      apiBase: api.baseUrl,
      timeoutMs: 5_000,
    });

  beforeAll(async () => {
    await api.listen();
    api.orders.set('PAID-1', {
      state: 'SUCCESS',
      amountFen: 2590,
      transactionId: '4200000000000000000000000001',
      successTime: '2026-11-11T10:01:00+08:00',
    });
    api.orders.set('OPEN-1', { state: 'NOTPAY', amountFen: 990 });
    api.orders.set('CLOSED-1', { state: 'CLOSED', amountFen: 990 });
  });
  afterAll(() => api.close());

  it('gets paid, not paid, closed and not found, each from a signed request and a verified answer', async () => {
    expect(await client().query('PAID-1')).toEqual({
      kind: 'paid',
      providerState: 'SUCCESS',
      transactionId: '4200000000000000000000000001',
      amountFen: 2590,
      paidAt: Date.parse('2026-11-11T02:01:00Z'),
    });
    expect(await client().query('OPEN-1')).toEqual({ kind: 'not_paid', providerState: 'NOTPAY' });
    expect(await client().query('CLOSED-1')).toEqual({ kind: 'closed', providerState: 'CLOSED' });
    expect(await client().query('NOBODY')).toEqual({ kind: 'not_found' });
    expect(
      api.requests
        .filter((r) => ['PAID-1', 'OPEN-1', 'CLOSED-1', 'NOBODY'].includes(r.outTradeNo))
        .every((r) => r.signatureOk),
    ).toBe(true);
  });

  it('turns a forged or unsigned answer, a server error and a rate limit into errors', async () => {
    api.fault('PAID-1', 'bad_signature', 'unsigned', 'error', 'rate_limited');
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'signature' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'signature' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'http' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'error', reason: 'rate_limited' });
    expect(await client().query('PAID-1')).toMatchObject({ kind: 'paid' });
  });

  it('is refused 401 when it signs with a key the merchant did not register', async () => {
    const stranger = createWechatPayQueryClient({
      merchant: { ...merchant, privateKey: platformKeys.privateKey },
      platformKeys: platformKeySet,
      apiBase: api.baseUrl,
    });
    expect(await stranger.query('OPEN-1')).toMatchObject({
      kind: 'error',
      reason: 'provider_error',
      message: 'HTTP 401 SIGN_ERROR',
    });
    expect(api.requests.at(-1)).toMatchObject({ outTradeNo: 'OPEN-1', signatureOk: false });
  });

  it('answers the SDK’s own requests, and the SDK verifies its answers', async () => {
    // The SDK passes the rest of its config to axios, so baseURL reaches the loopback API.
    const config = {
      mchid: MCHID,
      serial: MERCHANT_SERIAL,
      privateKey: merchantKeys.privateKey,
      certs: { [PLATFORM_SERIAL]: platformKeys.publicKey },
      baseURL: api.baseUrl,
    };
    const sdk = Decorator.jsonBased(config);
    const before = api.requests.length;
    const reply = await sdk.get(orderQueryUrl('PAID-1', MCHID));
    expect(reply.data).toMatchObject({
      out_trade_no: 'PAID-1',
      trade_state: 'SUCCESS',
      amount: { total: 2590 },
    });
    expect(api.requests.slice(before)).toEqual([
      expect.objectContaining({ outTradeNo: 'PAID-1', signatureOk: true }),
    ]);
  });

  it('reports a timeout when the API accepts the connection and never answers', async () => {
    const sockets: net.Socket[] = [];
    const hanging = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const silent = createWechatPayQueryClient({
      merchant,
      platformKeys: platformKeySet,
      apiBase: `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}`,
      timeoutMs: 100,
    });
    try {
      expect(await silent.query('A1')).toMatchObject({ kind: 'error', reason: 'timeout' });
    } finally {
      for (const socket of sockets) socket.destroy();
      hanging.close();
    }
  });
});
