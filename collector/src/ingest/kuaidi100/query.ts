// The Kuaidi100 real-time query API (PROVIDERS.md 4.5): a form POST of customer, sign and param,
// answered with the same tracking result a push carries, or with {result:false, returnCode, message}.
import { Kuaidi100Error } from './errors.ts';
import { kuaidi100QuerySign } from './sign.ts';
import { type Kuaidi100TrackResult, parseKuaidi100TrackResult } from './track-result.ts';

export const KUAIDI100_QUERY_PATH = '/poll/query.do';

export interface Kuaidi100Credentials {
  customer: string;
  key: string;
}

export interface Kuaidi100QueryRequest {
  com: string;
  num: string;
  phone?: string;
}

export function kuaidi100QueryForm(
  request: Kuaidi100QueryRequest,
  credentials: Kuaidi100Credentials,
): URLSearchParams {
  const param = JSON.stringify({
    com: request.com,
    num: request.num,
    ...(request.phone !== undefined && { phone: request.phone }),
    // resultv2=4: every checkpoint carries its state name and advanced code.
    resultv2: '4',
    show: '0',
    order: 'desc',
  });
  return new URLSearchParams({
    customer: credentials.customer,
    sign: kuaidi100QuerySign(param, credentials.key, credentials.customer),
    param,
  });
}

export type Kuaidi100QueryReply =
  | { kind: 'tracked'; result: Kuaidi100TrackResult }
  | { kind: 'refused'; returnCode: string; message: string };

export function parseKuaidi100QueryReply(body: unknown): Kuaidi100QueryReply {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Kuaidi100Error('malformed', 'the query reply is not a JSON object');
  }
  const record = body as Record<string, unknown>;
  if (record.result === false || (record.returnCode !== undefined && record.nu === undefined)) {
    return {
      kind: 'refused',
      returnCode: String(record.returnCode ?? ''),
      message: typeof record.message === 'string' ? record.message : '',
    };
  }
  return { kind: 'tracked', result: parseKuaidi100TrackResult(record, 'reply') };
}
