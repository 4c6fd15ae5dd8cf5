// A stand-in for the WeChat Pay API v3 order query, as a provider sandbox would answer it: every
// request's WECHATPAY2-SHA256-RSA2048 signature is checked with the merchant's public key (401
// SIGN_ERROR otherwise) and every answer is signed with the platform key. Orders are scripted.
import { type KeyObject, randomBytes, verify } from 'node:crypto';
import type http from 'node:http';
import { MAX_CLOCK_SKEW_MS, signNotify } from '../../ingest/wechatpay/notify-signature.ts';
import {
  parseAuthorization,
  requestSignMessage,
} from '../../provider-queries/wechatpay/request-signature.ts';
import { LoopbackServer } from './loopback-server.ts';

export type WechatTradeState =
  | 'SUCCESS'
  | 'REFUND'
  | 'NOTPAY'
  | 'CLOSED'
  | 'REVOKED'
  | 'USERPAYING'
  | 'PAYERROR';

export interface FakeWechatOrder {
  state: WechatTradeState;
  amountFen: number;
  /** Set for paid orders; generated when omitted. */
  transactionId?: string;
  /** RFC 3339, for paid orders. */
  successTime?: string;
  attach?: string;
}

/** One-off misbehaviour for the next query of an order, before its state answers. */
export type WechatFault = 'error' | 'rate_limited' | 'bad_signature' | 'unsigned';

export interface WechatQueryRecord {
  outTradeNo: string;
  /** False when the request was refused 401 for its signature. */
  signatureOk: boolean;
  at: number;
}

export interface FakeWechatPayApiOptions {
  mchid: string;
  merchantSerial: string;
  merchantPublicKey: KeyObject | string;
  platformPrivateKey: KeyObject | string;
  platformSerial: string;
  appid?: string;
  now?: () => number;
}

type Signing = 'signed' | 'unsigned' | 'forged';
interface Reply {
  status: number;
  json: unknown;
  signing: Signing;
}

const QUERY_PATH = /^\/v3\/pay\/transactions\/out-trade-no\/([^/?]+)$/;

export class FakeWechatPayApi {
  readonly orders = new Map<string, FakeWechatOrder>();
  readonly requests: WechatQueryRecord[] = [];
  readonly #faults = new Map<string, WechatFault[]>();
  readonly #options: FakeWechatPayApiOptions;
  readonly #now: () => number;
  readonly #server: LoopbackServer;

  constructor(options: FakeWechatPayApiOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#server = new LoopbackServer((request, body, response) => this.#handle(request, body, response));
  }

  get baseUrl(): string {
    return this.#server.baseUrl;
  }

  listen(port = 0): Promise<string> {
    return this.#server.listen(port);
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  fault(outTradeNo: string, ...faults: WechatFault[]): void {
    this.#faults.set(outTradeNo, [...(this.#faults.get(outTradeNo) ?? []), ...faults]);
  }

  /** Queries that passed the signature check, for one order. */
  queriesOf(outTradeNo: string): WechatQueryRecord[] {
    return this.requests.filter((r) => r.outTradeNo === outTradeNo && r.signatureOk);
  }

  #handle(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): void {
    const reply = this.#answer(request, body);
    this.#reply(response, reply.status, reply.json, reply.signing);
  }

  #answer(request: http.IncomingMessage, body: Buffer): Reply {
    const url = new URL(request.url ?? '/', 'http://fake');
    const match = QUERY_PATH.exec(url.pathname);
    if (request.method !== 'GET' || !match) {
      return { status: 404, json: { code: 'NOT_FOUND', message: '资源不存在' }, signing: 'signed' };
    }
    const outTradeNo = decodeURIComponent(match[1]!);
    const signatureOk = this.#authorized(request, body);
    this.requests.push({ outTradeNo, signatureOk, at: this.#now() });
    // WeChat does not sign what it answers to a request it could not authenticate.
    if (!signatureOk)
      return { status: 401, json: { code: 'SIGN_ERROR', message: '签名错误' }, signing: 'unsigned' };
    if (url.searchParams.get('mchid') !== this.#options.mchid) {
      return {
        status: 400,
        json: { code: 'PARAM_ERROR', message: 'mchid与请求头中的商户号不一致' },
        signing: 'signed',
      };
    }
    const fault = this.#faults.get(outTradeNo)?.shift();
    if (fault === 'error')
      return { status: 500, json: { code: 'SYSTEM_ERROR', message: '系统错误' }, signing: 'signed' };
    if (fault === 'rate_limited') {
      return { status: 429, json: { code: 'FREQUENCY_LIMITED', message: '频率超限' }, signing: 'signed' };
    }
    const signing = fault === 'bad_signature' ? 'forged' : fault === 'unsigned' ? 'unsigned' : 'signed';
    const order = this.orders.get(outTradeNo);
    if (!order) return { status: 404, json: { code: 'ORDER_NOT_EXIST', message: '订单不存在' }, signing };
    return { status: 200, json: this.#transaction(outTradeNo, order), signing };
  }

  #authorized(request: http.IncomingMessage, body: Buffer): boolean {
    const parts = parseAuthorization(String(request.headers.authorization ?? ''));
    if (!parts || parts.mchid !== this.#options.mchid || parts.serial_no !== this.#options.merchantSerial)
      return false;
    if (!/^\d{1,12}$/.test(parts.timestamp)) return false;
    if (Math.abs(this.#now() - Number(parts.timestamp) * 1000) >= MAX_CLOCK_SKEW_MS) return false;
    const message = requestSignMessage({
      method: request.method ?? '',
      url: request.url ?? '',
      timestamp: parts.timestamp,
      nonce: parts.nonce_str,
      body: body.toString('utf8'),
    });
    try {
      return verify(
        'sha256',
        Buffer.from(message, 'utf8'),
        this.#options.merchantPublicKey,
        Buffer.from(parts.signature, 'base64'),
      );
    } catch {
      return false;
    }
  }

  #transaction(outTradeNo: string, order: FakeWechatOrder): Record<string, unknown> {
    const paid = order.state === 'SUCCESS' || order.state === 'REFUND';
    return {
      appid: this.#options.appid ?? 'wx0000000000000000',
      mchid: this.#options.mchid,
      out_trade_no: outTradeNo,
      ...(paid && {
        transaction_id: order.transactionId ?? `4200${randomBytes(12).toString('hex').slice(0, 24)}`,
      }),
      trade_type: 'JSAPI',
      trade_state: order.state,
      trade_state_desc: TRADE_STATE_DESC[order.state],
      ...(paid && {
        bank_type: 'OTHERS',
        success_time: order.successTime ?? new Date(this.#now()).toISOString(),
      }),
      attach: order.attach ?? '',
      ...(paid && { payer: { openid: 'oSimulatedPayerOpenId000000000' } }),
      amount: paid
        ? { total: order.amountFen, payer_total: order.amountFen, currency: 'CNY', payer_currency: 'CNY' }
        : { total: order.amountFen, currency: 'CNY' },
    };
  }

  #reply(
    response: http.ServerResponse,
    status: number,
    json: unknown,
    signing: 'signed' | 'unsigned' | 'forged',
  ): void {
    const body = Buffer.from(JSON.stringify(json), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'request-id': randomBytes(16).toString('hex'),
    };
    if (signing !== 'unsigned') {
      const timestamp = String(Math.floor(this.#now() / 1000));
      const nonce = randomBytes(16).toString('hex');
      const signed = signing === 'forged' ? Buffer.concat([body, Buffer.from(' ')]) : body;
      headers['wechatpay-timestamp'] = timestamp;
      headers['wechatpay-nonce'] = nonce;
      headers['wechatpay-serial'] = this.#options.platformSerial;
      headers['wechatpay-signature'] = signNotify(this.#options.platformPrivateKey, timestamp, nonce, signed);
    }
    response.writeHead(status, headers).end(body);
  }
}

const TRADE_STATE_DESC: Record<WechatTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销',
  USERPAYING: '用户支付中',
  PAYERROR: '支付失败',
};
