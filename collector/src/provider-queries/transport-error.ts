// A request that got no HTTP answer at all, as the error answer the scheduler backs off on.
import type { PaymentQueryAnswer } from './query-answer.ts';

/** What fetch threw, as an error answer. */
export function transportError(cause: unknown, timeoutMs: number): PaymentQueryAnswer {
  const name = (cause as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'error', reason: 'timeout', message: `no answer within ${timeoutMs} ms` };
  }
  return { kind: 'error', reason: 'network', message: (cause as Error).message ?? 'request failed' };
}
