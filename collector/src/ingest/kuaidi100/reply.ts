// The body Kuaidi100 expects back (PROVIDERS.md 4.4), within its 20 s timeout. Anything else, or
// the failure body, makes it push again after about 30 minutes, up to three times.

import type { Kuaidi100PushRefusal } from '../../wire/provider-callbacks.ts';

export const KUAIDI100_PUSH_ACCEPTED = { result: true, returnCode: '200', message: '成功' } as const;
export const KUAIDI100_PUSH_FAILED = { result: false, returnCode: '500', message: '失败' } as const;

/**
 * A refused push, in the shape Kuaidi100's retry logic reads. The push reply documents only
 * returnCode 200 (accepted) and 500 (failed, push again), so every refusal is a 500 whatever the
 * HTTP status; `error` and `message` keep OrderPulse's error shape readable in the same body.
 */
export function kuaidi100Refusal(code: string, message: string): Kuaidi100PushRefusal {
  return { result: false, returnCode: KUAIDI100_PUSH_FAILED.returnCode, message, error: code };
}
