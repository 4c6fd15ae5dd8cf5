// A loopback HTTP server that speaks the Kuaidi100 query API (POST /poll/query.do, form
// customer/sign/param, sign = UPPER(MD5(param + key + customer))), with scripted failures.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeCheckpoint {
  ftime: string;
  context: string;
  status?: string;
}

export interface FakeWaybill {
  state: string;
  ischeck?: '0' | '1';
  data: FakeCheckpoint[];
}

/** What to do with the next request for a waybill, before falling back to its tracking. */
export type Scripted =
  | { kind: 'http'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'garbage' }
  | { kind: 'refuse'; returnCode: string; message: string };

export interface RecordedRequest {
  num: string;
  com: string;
  phone: string | undefined;
  /** The test clock's time when the request arrived. */
  at: number;
  signOk: boolean;
}

export class FakeKuaidi100 {
  readonly customer = 'CUSTOMER1';
  readonly key = 'test-key';
  readonly waybills = new Map<string, FakeWaybill>();
  readonly scripts = new Map<string, Scripted[]>();
  readonly requests: RecordedRequest[] = [];
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly #hanging: http.ServerResponse[] = [];
  readonly #now: () => number;
  baseUrl = '';

  constructor(now: () => number) {
    this.#now = now;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  script(num: string, ...steps: Scripted[]): void {
    this.scripts.set(num, [...(this.scripts.get(num) ?? []), ...steps]);
  }

  requestsFor(num: string): RecordedRequest[] {
    return this.requests.filter((r) => r.num === num);
  }

  /** Answers every hanging request (as a 500) so nothing is left open. */
  releaseHanging(): void {
    for (const res of this.#hanging.splice(0)) if (!res.writableEnded) res.writeHead(500).end();
  }

  async close(): Promise<void> {
    this.releaseHanging();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/poll/query.do') {
        res.writeHead(404).end();
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const param = form.get('param') ?? '';
      const expected = createHash('md5')
        .update(param + this.key + (form.get('customer') ?? ''))
        .digest('hex')
        .toUpperCase();
      const signOk = form.get('sign') === expected && form.get('customer') === this.customer;
      let query: { com?: string; num?: string; phone?: string } = {};
      try {
        query = JSON.parse(param);
      } catch {}
      const num = query.num ?? '';
      this.requests.push({ num, com: query.com ?? '', phone: query.phone, at: this.#now(), signOk });
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));

      if (!signOk) return json({ result: false, returnCode: '503', message: '验证签名失败' });
      const step = this.scripts.get(num)?.shift();
      if (step?.kind === 'http') {
        res.writeHead(step.status, step.retryAfter ? { 'retry-after': step.retryAfter } : {}).end('busy');
        return;
      }
      if (step?.kind === 'hang') {
        this.#hanging.push(res);
        return;
      }
      if (step?.kind === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>');
        return;
      }
      if (step?.kind === 'refuse')
        return json({ result: false, returnCode: step.returnCode, message: step.message });
      const waybill = this.waybills.get(num);
      if (!waybill) return json({ result: false, returnCode: '500', message: '查询无结果，请隔段时间再查' });
      json({
        message: 'ok',
        nu: num,
        ischeck: waybill.ischeck ?? '0',
        condition: 'F00',
        com: query.com,
        status: '200',
        state: waybill.state,
        data: [...waybill.data].reverse().map((c) => ({ time: c.ftime, ...c })),
      });
    });
  }
}

/**
 * Virtual time for the poller: `sleep` parks the caller until the clock reaches its deadline, and
 * the clock jumps to the earliest parked deadline on the next turn of the event loop. Sleepers wake
 * in deadline order, so the times the poller reads are exactly the ones it scheduled.
 */
export class FakeClock {
  #t: number;
  readonly #timers: { at: number; resolve: () => void }[] = [];
  #pump: NodeJS.Immediate | undefined;
  readonly slept: number[] = [];

  constructor(start: number) {
    this.#t = start;
  }

  now = (): number => this.#t;

  advance(ms: number): void {
    this.#t += ms;
  }

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      this.slept.push(ms);
      if (signal?.aborted) return resolve();
      const timer = { at: this.#t + ms, resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers.splice(this.#timers.indexOf(timer), 1);
        resolve();
      });
      this.#schedule();
    });

  #schedule(): void {
    if (this.#pump) return;
    this.#pump = setImmediate(() => {
      this.#pump = undefined;
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers.shift();
      if (!next) return;
      this.#t = Math.max(this.#t, next.at);
      next.resolve();
      if (this.#timers.length > 0) this.#schedule();
    });
  }
}
