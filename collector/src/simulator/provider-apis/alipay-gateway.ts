// A stand-in for the Alipay OpenAPI gateway's alipay.trade.query, answering as a sandbox would:
// every request's RSA2 signature is checked with the app's public key, and every answer's response
// node is signed with the Alipay private key. A request that does not verify gets what the real
// gateway sends, code 40002 isv.invalid-signature (in a 200, as Alipay answers every call). Orders
// are scripted.
import { createSign, type KeyObject, randomBytes, verify } from 'node:crypto';
import type http from 'node:http';
import {
  alipayTimestamp,
  requestSignContent,
  TRADE_QUERY_METHOD,
} from '../../provider-queries/alipay/gateway-request.ts';
import { TRADE_QUERY_RESPONSE_KEY } from '../../provider-queries/alipay/gateway-response.ts';
import { LoopbackServer } from './loopback-server.ts';

export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';

export interface FakeAlipayTrade {
  status: AlipayTradeStatus;
  /** Yuan, two decimals: `"25.90"`. */
  totalAmount: string;
  tradeNo?: string;
  /** `yyyy-MM-dd HH:mm:ss`, China time. */
  sendPayDate?: string;
}

export type AlipayFault = 'error' | 'http_error' | 'bad_signature' | 'unsigned';

export interface AlipayQueryRecord {
  outTradeNo: string | undefined;
  signatureOk: boolean;
  at: number;
}

export interface FakeAlipayGatewayOptions {
  appId: string;
  appPublicKey: KeyObject | string;
  alipayPrivateKey: KeyObject | string;
  now?: () => number;
}

type Node = Record<string, unknown>;
interface Reply {
  status: number;
  node?: Node;
  signing: 'signed' | 'unsigned' | 'forged';
}

export class FakeAlipayGateway {
  readonly trades = new Map<string, FakeAlipayTrade>();
  readonly requests: AlipayQueryRecord[] = [];
  readonly #faults = new Map<string, AlipayFault[]>();
  readonly #options: FakeAlipayGatewayOptions;
  readonly #now: () => number;
  readonly #server: LoopbackServer;

  constructor(options: FakeAlipayGatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#server = new LoopbackServer((request, body, response) => this.#handle(request, body, response));
  }

  /** The gateway URL (`…/gateway.do`) to configure. */
  get gateway(): string {
    return `${this.#server.baseUrl}/gateway.do`;
  }

  listen(port = 0): Promise<string> {
    return this.#server.listen(port);
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  fault(outTradeNo: string, ...faults: AlipayFault[]): void {
    this.#faults.set(outTradeNo, [...(this.#faults.get(outTradeNo) ?? []), ...faults]);
  }

  queriesOf(outTradeNo: string): AlipayQueryRecord[] {
    return this.requests.filter((r) => r.outTradeNo === outTradeNo && r.signatureOk);
  }

  #handle(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): void {
    const reply = this.#answer(request, body);
    if (!reply.node) {
      response.writeHead(reply.status, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    const raw = JSON.stringify(reply.node);
    let text = `{"${TRADE_QUERY_RESPONSE_KEY}":${raw}}`;
    if (reply.signing !== 'unsigned') {
      const signed = reply.signing === 'forged' ? `${raw} ` : raw;
      const sign = createSign('sha256').update(signed, 'utf8').sign(this.#options.alipayPrivateKey, 'base64');
      text = `{"${TRADE_QUERY_RESPONSE_KEY}":${raw},"sign":"${sign}"}`;
    }
    response.writeHead(reply.status, { 'content-type': 'text/html;charset=utf-8' }).end(text);
  }

  #answer(request: http.IncomingMessage, body: Buffer): Reply {
    const url = new URL(request.url ?? '/', 'http://fake');
    const params = new Map(url.searchParams);
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params.set(key, value);
    let outTradeNo: string | undefined;
    try {
      const biz: unknown = JSON.parse(params.get('biz_content') ?? '');
      const value = (biz as { out_trade_no?: unknown }).out_trade_no;
      outTradeNo = typeof value === 'string' ? value : undefined;
    } catch {
      outTradeNo = undefined;
    }
    const signatureOk = this.#verified(params);
    this.requests.push({ outTradeNo, signatureOk, at: this.#now() });
    if (!signatureOk) {
      return {
        status: 200,
        node: {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-signature',
          sub_msg: '验签出错',
        },
        signing: 'signed',
      };
    }
    if (params.get('method') !== TRADE_QUERY_METHOD || params.get('app_id') !== this.#options.appId) {
      return {
        status: 200,
        node: {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-method',
          sub_msg: '不存在的方法名',
        },
        signing: 'signed',
      };
    }
    if (!outTradeNo) {
      return {
        status: 200,
        node: {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.missing-parameter',
          sub_msg: '缺少必选参数',
        },
        signing: 'signed',
      };
    }
    const fault = this.#faults.get(outTradeNo)?.shift();
    if (fault === 'http_error') return { status: 503, signing: 'unsigned' };
    if (fault === 'error') {
      return {
        status: 200,
        node: {
          code: '20000',
          msg: 'Service Currently Unavailable',
          sub_code: 'isp.unknow-error',
          sub_msg: '系统繁忙',
        },
        signing: 'signed',
      };
    }
    const signing = fault === 'bad_signature' ? 'forged' : fault === 'unsigned' ? 'unsigned' : 'signed';
    const trade = this.trades.get(outTradeNo);
    if (!trade) {
      return {
        status: 200,
        node: {
          code: '40004',
          msg: 'Business Failed',
          sub_code: 'ACQ.TRADE_NOT_EXIST',
          sub_msg: '交易不存在',
        },
        signing,
      };
    }
    const paid = trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED';
    return {
      status: 200,
      node: {
        code: '10000',
        msg: 'Success',
        trade_no: trade.tradeNo ?? `2026${randomBytes(12).toString('hex').slice(0, 24)}`,
        out_trade_no: outTradeNo,
        buyer_logon_id: '159****5620',
        trade_status: trade.status,
        total_amount: trade.totalAmount,
        ...(paid && {
          buyer_pay_amount: trade.totalAmount,
          receipt_amount: trade.totalAmount,
          send_pay_date: trade.sendPayDate ?? alipayTimestamp(this.#now()),
          buyer_user_id: '2088101117955611',
        }),
      },
      signing,
    };
  }

  #verified(params: ReadonlyMap<string, string>): boolean {
    const sign = params.get('sign');
    if (!sign || params.get('sign_type') !== 'RSA2') return false;
    try {
      return verify(
        'sha256',
        Buffer.from(requestSignContent(params), 'utf8'),
        this.#options.appPublicKey,
        Buffer.from(sign, 'base64'),
      );
    } catch {
      return false;
    }
  }
}
