// A stand-in for the Kuaidi100 subscribe API (POST /poll, form `schema` and `param`), as strict as
// the real one about what authenticates a subscription: the account `key` inside `param` (600
// otherwise) and a callback URL (700 otherwise). A subscription without `salt` would get unsigned
// pushes, which the collector refuses, so it is refused here too. `push` sends a subscribed
// waybill's push to its callback URL, signed with the subscription's salt.
import { kuaidi100PushSign } from '../../ingest/kuaidi100/sign.ts';
import { LoopbackServer } from './loopback-server.ts';

export interface FakeSubscription {
  company: string;
  number: string;
  callbackUrl: string;
  salt: string;
  phone?: string;
  at: number;
}

export interface SubscribeRecord {
  company: string;
  number: string;
  /** The key matched and salt and callback URL were given. */
  accepted: boolean;
  returnCode: string;
  at: number;
}

/** One-off answer for the next subscription of a number, before the normal one. */
export type SubscribeFault = { kind: 'http'; status: number } | { kind: 'refuse'; returnCode: string };

const MESSAGES: Record<string, string> = {
  '200': '提交成功',
  '501': '重复订阅',
  '600': '您不是合法的订阅者（即授权Key出错）',
  '700': '订阅方的订阅数据存在错误（如不支持的快递公司、单号为空、单号超长等）或错误的回调地址',
};

export class FakeKuaidi100Subscribe {
  readonly key: string;
  readonly subscriptions = new Map<string, FakeSubscription>();
  readonly requests: SubscribeRecord[] = [];
  readonly #faults = new Map<string, SubscribeFault[]>();
  readonly #now: () => number;
  readonly #server: LoopbackServer;

  constructor(options: { key: string; now?: () => number }) {
    this.key = options.key;
    this.#now = options.now ?? Date.now;
    this.#server = new LoopbackServer((request, body, response) => {
      const json = (status: number, value: unknown) =>
        response
          .writeHead(status, { 'content-type': 'application/json;charset=UTF-8' })
          .end(JSON.stringify(value));
      // The query API shares the host; this stand-in knows no tracking, so it has nothing yet.
      if (request.method === 'POST' && request.url === '/poll/query.do')
        return json(200, { result: false, returnCode: '500', message: '查询无结果，请隔段时间再查' });
      if (request.method !== 'POST' || request.url !== '/poll') return json(404, { message: 'not found' });
      const reply = this.#subscribe(new URLSearchParams(body.toString('utf8')));
      json(reply.status, reply.body);
    });
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

  fault(number: string, ...faults: SubscribeFault[]): void {
    this.#faults.set(number, [...(this.#faults.get(number) ?? []), ...faults]);
  }

  requestsFor(number: string): SubscribeRecord[] {
    return this.requests.filter((r) => r.number === number);
  }

  /** Pushes `param` (its lastResult naming this subscription's company) to the callback URL, signed. */
  async push(number: string, param: Record<string, unknown>): Promise<Response> {
    const subscription = this.subscriptions.get(number);
    if (!subscription) throw new Error(`${number} is not subscribed`);
    const text = JSON.stringify(param);
    return fetch(subscription.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ param: text, sign: kuaidi100PushSign(text, subscription.salt) }).toString(),
    });
  }

  #subscribe(form: URLSearchParams): { status: number; body: unknown } {
    let param: {
      company?: unknown;
      number?: unknown;
      key?: unknown;
      parameters?: { callbackurl?: unknown; salt?: unknown; phone?: unknown };
    } = {};
    try {
      param = JSON.parse(form.get('param') ?? '');
    } catch {}
    const company = typeof param.company === 'string' ? param.company : '';
    const number = typeof param.number === 'string' ? param.number : '';
    const callbackUrl = param.parameters?.callbackurl;
    const salt = param.parameters?.salt;
    const answer = (returnCode: string) => {
      this.requests.push({ company, number, accepted: returnCode === '200', returnCode, at: this.#now() });
      return {
        status: 200,
        body: { result: returnCode === '200', returnCode, message: MESSAGES[returnCode] ?? '' },
      };
    };
    const fault = this.#faults.get(number)?.shift();
    if (fault?.kind === 'http') {
      this.requests.push({
        company,
        number,
        accepted: false,
        returnCode: String(fault.status),
        at: this.#now(),
      });
      return { status: fault.status, body: { message: 'busy' } };
    }
    if (fault?.kind === 'refuse') return answer(fault.returnCode);
    if (form.get('schema') !== 'json' || param.key !== this.key) return answer('600');
    if (!company || !number || typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl)) {
      return answer('700');
    }
    if (typeof salt !== 'string' || salt === '') return answer('700');
    const subscription: FakeSubscription = { company, number, callbackUrl, salt, at: this.#now() };
    if (typeof param.parameters?.phone === 'string') subscription.phone = param.parameters.phone;
    this.subscriptions.set(number, subscription);
    return answer('200');
  }
}
