// TrackingQueryClient over the Kuaidi100 query API: POST form to `<baseUrl>/poll/query.do`.
import {
  KUAIDI100_QUERY_PATH,
  type Kuaidi100Credentials,
  kuaidi100QueryForm,
  parseKuaidi100QueryReply,
} from '../ingest/kuaidi100/query.ts';
import type { Kuaidi100TrackResult } from '../ingest/kuaidi100/track-result.ts';
import type { PollTarget } from './poll-schedule.ts';
import { CarrierQueryError, type TrackingQueryClient, type TrackingQueryOutcome } from './tracking-query.ts';

export const KUAIDI100_DEFAULT_BASE_URL = 'https://poll.kuaidi100.com';

export interface Kuaidi100QueryClientOptions extends Kuaidi100Credentials {
  baseUrl?: string;
  /** Per request, connect to last byte. */
  timeoutMs?: number;
}

/** Kuaidi100 answers "no result yet" with returnCode 500 and a message saying so. */
const NO_DATA_CODES = new Set(['500']);
/** Signed for (3xx) or back with the sender (4 退签, 401): tracking is over. */
const FINISHED_CODES = new Set(['3', '301', '302', '303', '304', '4', '401']);

export function kuaidi100TrackingFinished(result: Kuaidi100TrackResult): boolean {
  return result.signed || (result.state !== undefined && FINISHED_CODES.has(result.state.code));
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function createKuaidi100QueryClient(options: Kuaidi100QueryClientOptions): TrackingQueryClient {
  const url = new URL(KUAIDI100_QUERY_PATH, options.baseUrl ?? KUAIDI100_DEFAULT_BASE_URL).toString();
  const timeoutMs = options.timeoutMs ?? 10_000;

  return {
    async query(target: PollTarget): Promise<TrackingQueryOutcome> {
      const form = kuaidi100QueryForm(
        {
          com: target.carrier,
          num: target.trackingNo,
          ...(target.phone !== undefined && { phone: target.phone }),
        },
        options,
      );
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (cause) {
        const name = (cause as { name?: string }).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new CarrierQueryError('timeout', `no reply within ${timeoutMs} ms`, { cause });
        }
        throw new CarrierQueryError('network', 'the query request failed', { cause });
      }
      if (!response.ok) {
        const retry = retryAfterMs(response.headers.get('retry-after'));
        throw new CarrierQueryError('http', `HTTP ${response.status}`, {
          status: response.status,
          ...(retry !== undefined && { retryAfterMs: retry }),
        });
      }
      let reply: ReturnType<typeof parseKuaidi100QueryReply>;
      try {
        reply = parseKuaidi100QueryReply(JSON.parse(text));
      } catch (cause) {
        throw new CarrierQueryError('bad_reply', 'the query reply is not a tracking result', { cause });
      }
      if (reply.kind === 'refused') {
        return NO_DATA_CODES.has(reply.returnCode)
          ? { kind: 'no_data', message: reply.message }
          : { kind: 'refused', code: reply.returnCode, message: reply.message };
      }
      return {
        kind: 'tracked',
        updates: reply.result.updates,
        finished: kuaidi100TrackingFinished(reply.result),
      };
    },
  };
}
