// A Kuaidi100 subscription push (PROVIDERS.md 4.2): form fields `param` (JSON) and `sign`.
// Verification comes first and covers the raw `param` string; only then is it parsed.
import { Kuaidi100Error } from './errors.ts';
import { verifyKuaidi100PushSign } from './sign.ts';
import { type Kuaidi100TrackResult, parseKuaidi100TrackResult } from './track-result.ts';

export const KUAIDI100_PUSH_STATUSES = ['polling', 'shutdown', 'abort', 'updateall'] as const;
export type Kuaidi100PushStatus = (typeof KUAIDI100_PUSH_STATUSES)[number];

export interface Kuaidi100Push extends Kuaidi100TrackResult {
  status: Kuaidi100PushStatus;
  /** Kuaidi100's monitoring message, e.g. "3天查询无记录" with `abort`. */
  message: string;
  /** `status=shutdown`: Kuaidi100 has stopped tracking this waybill (signed for, or ended). */
  trackingEnded: boolean;
  /** `status=abort`: Kuaidi100 gave up; subscribe again later (not sooner than 30 min). */
  resubscribe: boolean;
  /** `comNew`: the company Kuaidi100 recognised the number as, when the subscribed one was wrong. */
  companyNew?: string;
}

export interface Kuaidi100PushForm {
  param?: unknown;
  sign?: unknown;
}

function formString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export function parseKuaidi100Push(form: Kuaidi100PushForm, salt: string): Kuaidi100Push {
  const param = formString(form.param);
  if (param === undefined || param.trim() === '') {
    throw new Kuaidi100Error('malformed', 'the push has no param field');
  }
  verifyKuaidi100PushSign(param, formString(form.sign), salt);

  let body: unknown;
  try {
    body = JSON.parse(param);
  } catch (cause) {
    throw new Kuaidi100Error('malformed', 'param is not JSON', { cause });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Kuaidi100Error('malformed', 'param is not a JSON object');
  }
  const record = body as Record<string, unknown>;
  const status = record.status;
  if (typeof status !== 'string' || !(KUAIDI100_PUSH_STATUSES as readonly string[]).includes(status)) {
    throw new Kuaidi100Error('malformed', `param.status is not one of ${KUAIDI100_PUSH_STATUSES.join(', ')}`);
  }
  const result = parseKuaidi100TrackResult(record.lastResult, 'lastResult');
  const companyNew = typeof record.comNew === 'string' ? record.comNew.replaceAll('\u0000', '').trim() : '';
  return {
    ...result,
    ...(companyNew !== '' && { companyNew: companyNew.toLowerCase() }),
    status: status as Kuaidi100PushStatus,
    message: typeof record.message === 'string' ? record.message : '',
    trackingEnded: status === 'shutdown',
    resubscribe: status === 'abort',
  };
}
