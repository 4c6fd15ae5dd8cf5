// Arbitrary HTTP requests for the hostile-input tier: any route the server lists, any method, path
// parameters, query string, token, content type and body. Shared by the in-process and the
// spawned-collector properties.
import fc from 'fast-check';
import { TOKENS } from '../support/test-app.ts';
import {
  deepArrayJson,
  deepObjectJson,
  deepValue,
  mutatedObject,
  nastyJson,
  nastyString,
  PROTOTYPE_KEYS,
} from './hostile-values.ts';
import type { ListedRoute } from './route-list.ts';

/** A second ingest token, so the valid events' requests are not the hostile traffic's. */
export const PROBE_TOKEN = 'probe-secret-1';
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
export type Method = (typeof METHODS)[number];

let probes = 0;
export const nextProbe = () => ++probes;
export const recent = () => new Date(Date.now() - 60_000).toISOString();
export const validEvent = () => {
  const n = nextProbe();
  return {
    id: `probe-${n}`,
    type: 'order.status',
    occurred_at: recent(),
    order_id: `probe-order-${n}-${Date.now()}`,
    store_id: 'probe-store',
    status: 'paid',
    amount_fen: 100,
  };
};
export const eventTemplate = {
  id: 'x',
  type: 'order.status',
  occurred_at: '2026-06-01T10:00:00+08:00',
  order_id: 'o',
  store_id: 's',
  status: 'paid',
};

export const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
/** Percent-encoded as UTF-8; a lone surrogate (which encodeURIComponent refuses) becomes U+FFFD. */
export const encode = (s: string) => encodeURIComponent(Buffer.from(s).toString());

export const hostileItem = () =>
  fc.oneof(
    nastyJson(),
    mutatedObject(eventTemplate),
    fc.constantFrom(
      { ...eventTemplate, occurred_at: '9999-01-01T00:00:00Z' },
      { ...eventTemplate, occurred_at: '2026-02-30T10:00:00+08:00' },
      { ...eventTemplate, store_id: 'S\u0000' },
      { ...eventTemplate, type: 'toString' },
      { ...eventTemplate, type: 'constructor' },
      { ...eventTemplate, type: '__proto__' },
      // Deeper ones go in as text (see the known attacks): JSON.stringify would recurse that deep.
      { ...eventTemplate, extra: deepValue(100) },
    ),
  );

export const hostileBody = () =>
  fc.oneof(
    fc.constant(undefined),
    nastyJson().map((v) => JSON.stringify(v) ?? ''),
    fc.string({ maxLength: 300, unit: 'binary' }),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.array(hostileItem(), { maxLength: 5 }).map((items) => JSON.stringify(items)),
    fc
      .array(hostileItem(), { maxLength: 5 })
      .map((items) => items.map((i) => JSON.stringify(i) ?? '').join('\n')),
    fc.constantFrom(deepArrayJson(10_000), deepObjectJson(10_000), 'param=%zz&sign=', 'yaml: [unclosed'),
  );

const pathParam = () =>
  fc.oneof(
    nastyString().map(encode),
    fc.constantFrom(
      '%',
      '%zz',
      '%00',
      '..',
      '%2e%2e',
      '1',
      '0',
      '-1',
      '99999999999999999999',
      'wechatpay',
      'alipay',
    ),
  );

const queryString = () =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'limit',
            'before',
            'status',
            'since',
            'rule',
            'store_id',
            'from',
            'to',
            'risk',
            'carrier',
            'token',
          ),
          fc.constantFrom(...PROTOTYPE_KEYS),
          fc.string({ maxLength: 6 }),
        ),
        fc.oneof(nastyString().map(encode), fc.constantFrom('%', '%zz', '-1', '0', '1e9', '[]', 'firing')),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encode(k)}=${v}`).join('&')}`));

const authorization = () =>
  fc.constantFrom(
    undefined,
    `Bearer ${TOKENS.ingest}`,
    `Bearer ${TOKENS.viewer}`,
    `Bearer ${TOKENS.operator}`,
    'Bearer wrong-token',
    `Bearer ${'a'.repeat(5000)}`,
    'Basic dXNlcjpwYXNz',
    'Bearer',
  );

const contentType = () =>
  fc.oneof(
    fc.constantFrom(
      undefined,
      'application/json',
      'application/x-ndjson',
      'text/csv',
      'application/x-www-form-urlencoded',
      'application/gzip',
      'multipart/form-data; boundary=x',
      'text/yaml',
      'application/json; charset=gbk',
      '*/*',
    ),
    nastyString().map(printable),
  );

export function hostileRequest(routes: ListedRoute[]) {
  return fc.record({
    route: fc.constantFrom(...routes),
    method: fc.option(fc.constantFrom(...METHODS), { nil: undefined }),
    params: fc.array(pathParam(), { minLength: 4, maxLength: 4 }),
    query: queryString(),
    authorization: authorization(),
    contentType: contentType(),
    extraHeader: fc.option(
      fc.tuple(
        fc.constantFrom('accept', 'accept-encoding', 'x-forwarded-for', 'content-encoding', 'expect'),
        nastyString().map(printable),
      ),
    ),
    body: hostileBody(),
  });
}

export type HostileRequest = ReturnType<typeof hostileRequest> extends fc.Arbitrary<infer T> ? T : never;
