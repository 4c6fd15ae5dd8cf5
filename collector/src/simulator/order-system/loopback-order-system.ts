// A merchant's order system as OrderPulse's payment webhooks meet it: it checks each request's
// signature and timestamp (401 otherwise), applies each payment once whatever the resends (by the
// Idempotency-Key), and applies it the way a real one would, by reporting the order `paid` to the
// collector's /v1/events. Until the collector has taken that report it answers 503, so OrderPulse
// sends the webhook again.
import type http from 'node:http';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { checkWebhookSignature } from '../../order-system/webhook-signature.ts';
import { ORDER_SYSTEM_WEBHOOK_HEADERS, PaymentConfirmedWebhook } from '../../wire/order-system-webhook.ts';
import { LoopbackServer } from '../provider-apis/loopback-server.ts';

const webhookChecker = TypeCompiler.Compile(PaymentConfirmedWebhook);

export interface OrderSystemDelivery {
  /** The body's id, when the body parsed. */
  id: string | undefined;
  idempotencyKey: string | undefined;
  /** False when refused for its signature or timestamp. */
  signatureOk: boolean;
  status: number;
  at: number;
}

export interface LoopbackOrderSystemOptions {
  secret: string;
  /** Where applied payments are reported: the collector's base URL and an ingest token. */
  collector?: { baseUrl: string; token: string };
  /** Its clock (epoch ms): the signature's replay window and the `paid` report's time. */
  now?: () => number;
}

export class LoopbackOrderSystem {
  readonly #server: LoopbackServer;
  readonly #secret: string;
  readonly #now: () => number;
  /** Every request, in arrival order. */
  readonly deliveries: OrderSystemDelivery[] = [];
  /** Payments applied (reported paid to the collector), by webhook id. */
  readonly applied = new Map<string, PaymentConfirmedWebhook>();
  /** Changeable: a restarted collector listens elsewhere. */
  collector: { baseUrl: string; token: string } | undefined;
  /** The next this many webhooks are answered 503 before anything is checked (an order system down). */
  unavailableFor = 0;

  constructor(options: LoopbackOrderSystemOptions) {
    this.#secret = options.secret;
    this.#now = options.now ?? Date.now;
    this.collector = options.collector;
    this.#server = new LoopbackServer((request, body, response) => {
      this.#handle(request, body.toString('utf8'))
        .then(({ status, json }) => {
          // No keep-alive: a pooled connection the server times out would fail the next webhook at random.
          response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
          response.end(JSON.stringify(json));
        })
        .catch((error: unknown) => {
          response.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
          response.end(JSON.stringify({ error: 'internal', message: String(error) }));
        });
    });
  }

  /** The URL to give ORDERPULSE_ORDER_SYSTEM_URL. */
  get url(): string {
    return `${this.#server.baseUrl}/webhooks/orderpulse`;
  }

  async listen(port = 0): Promise<string> {
    await this.#server.listen(port);
    return this.url;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  async #handle(request: http.IncomingMessage, body: string): Promise<{ status: number; json: unknown }> {
    const header = (name: string) => {
      const value = request.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    const at = this.#now();
    const idempotencyKey = header(ORDER_SYSTEM_WEBHOOK_HEADERS.idempotencyKey);
    const record = (status: number, signatureOk: boolean, id?: string) => {
      this.deliveries.push({ id, idempotencyKey, signatureOk, status, at });
    };
    if (this.unavailableFor > 0) {
      this.unavailableFor--;
      record(503, true);
      return { status: 503, json: { error: 'unavailable' } };
    }
    const check = checkWebhookSignature({
      secret: this.#secret,
      body,
      timestamp: header(ORDER_SYSTEM_WEBHOOK_HEADERS.timestamp),
      signature: header(ORDER_SYSTEM_WEBHOOK_HEADERS.signature),
      nowMs: at,
    });
    if (!check.ok) {
      record(401, false);
      return { status: 401, json: { error: `signature_${check.reason}` } };
    }
    let webhook: unknown;
    try {
      webhook = JSON.parse(body);
    } catch {
      webhook = undefined;
    }
    if (!webhookChecker.Check(webhook) || webhook.id !== idempotencyKey) {
      record(400, true);
      return { status: 400, json: { error: 'invalid_webhook' } };
    }
    if (this.applied.has(webhook.id)) {
      record(200, true, webhook.id);
      return { status: 200, json: { applied: true, duplicate: true } };
    }
    if (!(await this.#reportPaid(webhook, at))) {
      record(503, true, webhook.id);
      return { status: 503, json: { error: 'order_not_updated' } };
    }
    this.applied.set(webhook.id, webhook);
    record(200, true, webhook.id);
    return { status: 200, json: { applied: true } };
  }

  /** The order system's own status report, as it sends every status change to OrderPulse. */
  async #reportPaid(webhook: PaymentConfirmedWebhook, at: number): Promise<boolean> {
    if (!this.collector) return false;
    const response = await fetch(`${this.collector.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.collector.token}` },
      body: JSON.stringify({
        id: `order-system:paid:${webhook.id}`,
        type: 'order.status',
        occurred_at: new Date(at).toISOString(),
        order_id: webhook.order_id,
        store_id: webhook.store_id,
        status: 'paid',
        provider: webhook.provider,
        amount_fen: webhook.amount_fen,
      }),
    }).catch(() => undefined);
    if (!response) return false;
    const reply = (await response.json().catch(() => undefined)) as { rejected?: unknown[] } | undefined;
    return response.status === 202 && reply?.rejected?.length === 0;
  }
}
