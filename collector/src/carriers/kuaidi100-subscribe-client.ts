// Subscribing a waybill at Kuaidi100 again: POST form to `<baseUrl>/poll`. Transport trouble is a
// CarrierQueryError like the query client's, a refusal is an answer (the healer counts both as a
// failed attempt).
import {
  KUAIDI100_SUBSCRIBE_PATH,
  type Kuaidi100SubscribeAccount,
  type Kuaidi100SubscribeReply,
  type Kuaidi100SubscribeRequest,
  kuaidi100SubscribeForm,
  parseKuaidi100SubscribeReply,
} from '../ingest/kuaidi100/subscribe.ts';
import { KUAIDI100_DEFAULT_BASE_URL } from './kuaidi100-query-client.ts';
import { CarrierQueryError } from './tracking-query.ts';

export interface SubscribeClient {
  subscribe(request: Kuaidi100SubscribeRequest): Promise<Kuaidi100SubscribeReply>;
}

export interface Kuaidi100SubscribeClientOptions extends Kuaidi100SubscribeAccount {
  baseUrl?: string;
  timeoutMs?: number;
}

export function createKuaidi100SubscribeClient(options: Kuaidi100SubscribeClientOptions): SubscribeClient {
  const url = new URL(KUAIDI100_SUBSCRIBE_PATH, options.baseUrl ?? KUAIDI100_DEFAULT_BASE_URL).toString();
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async subscribe(request) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: 'POST',
          body: kuaidi100SubscribeForm(request, options),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (cause) {
        const name = (cause as { name?: string }).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new CarrierQueryError('timeout', `no reply within ${timeoutMs} ms`, { cause });
        }
        throw new CarrierQueryError('network', 'the subscribe request failed', { cause });
      }
      if (!response.ok)
        throw new CarrierQueryError('http', `HTTP ${response.status}`, { status: response.status });
      try {
        return parseKuaidi100SubscribeReply(JSON.parse(text));
      } catch (cause) {
        throw new CarrierQueryError('bad_reply', 'the subscribe reply is not JSON', { cause });
      }
    },
  };
}
