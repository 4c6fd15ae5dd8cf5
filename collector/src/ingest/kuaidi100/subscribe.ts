// The Kuaidi100 subscribe API (PROVIDERS.md 4.1): a form POST of `schema=json` and `param`, a JSON
// string carrying the company, the number, the account `key` (Kuaidi100 authenticates the request
// by it) and `parameters`, whose `salt` makes every later push carry `sign = MD5(param + salt)`.
// Answered {result, returnCode, message}: 200 subscribed, 501 already subscribed (still tracked).
import { Kuaidi100Error } from './errors.ts';

export const KUAIDI100_SUBSCRIBE_PATH = '/poll';

export interface Kuaidi100SubscribeAccount {
  key: string;
  /** Pushes for this subscription are signed with it (ORDERPULSE_KUAIDI100_SALT). */
  salt: string;
  /** Where Kuaidi100 pushes to: the public URL of /v1/notify/kuaidi100. */
  callbackUrl: string;
}

export interface Kuaidi100SubscribeRequest {
  company: string;
  number: string;
  /** SF and ZTO answer only with the recipient's phone (or its last four digits). */
  phone?: string;
}

export function kuaidi100SubscribeForm(
  request: Kuaidi100SubscribeRequest,
  account: Kuaidi100SubscribeAccount,
): URLSearchParams {
  const param = JSON.stringify({
    company: request.company,
    number: request.number,
    key: account.key,
    parameters: {
      callbackurl: account.callbackUrl,
      salt: account.salt,
      // resultv2=4: pushed checkpoints carry their state name and advanced code, as queries do.
      resultv2: '4',
      ...(request.phone !== undefined && { phone: request.phone }),
    },
  });
  return new URLSearchParams({ schema: 'json', param });
}

/** 501: "重复订阅", the waybill is still being tracked, which is what a resubscription wants. */
const SUBSCRIBED_CODES = new Set(['200', '501']);

export type Kuaidi100SubscribeReply =
  | { kind: 'subscribed'; returnCode: string }
  | { kind: 'refused'; returnCode: string; message: string };

export function parseKuaidi100SubscribeReply(body: unknown): Kuaidi100SubscribeReply {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Kuaidi100Error('malformed', 'the subscribe reply is not a JSON object');
  }
  const record = body as Record<string, unknown>;
  const returnCode = String(record.returnCode ?? '');
  if (SUBSCRIBED_CODES.has(returnCode)) return { kind: 'subscribed', returnCode };
  return {
    kind: 'refused',
    returnCode,
    message: typeof record.message === 'string' ? record.message.slice(0, 200) : '',
  };
}
