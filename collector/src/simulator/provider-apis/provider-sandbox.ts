// The payment providers' order-query APIs as their sandboxes would answer for the simulated chain:
// a loopback WeChat Pay API and Alipay gateway that know every payment the scenario's customers
// made, including those whose callback never reached the collector (the scripted outage). An order
// whose customer chose a provider is `NOTPAY` / `WAIT_BUYER_PAY` there until its payment time, paid
// from then on; an order the provider never saw is unknown to it. The collector reaches them through
// its ordinary configuration (`env`), as it would the real hosts.
import { alipayTimestamp } from '../../provider-queries/alipay/gateway-request.ts';
import type { PaymentCallback } from '../actions.ts';
import type { PlannedOrder } from '../order-plan.ts';
import { CHUNK_MS, type Scenario } from '../scenario.ts';
import type { ProviderKeys } from '../sender/provider-keys.ts';
import { FakeAlipayGateway } from './alipay-gateway.ts';
import { ensureMerchantKeys, type MerchantKeys } from './merchant-keys.ts';
import { FakeWechatPayApi } from './wechatpay-api.ts';

/** The merchant id the simulator's WeChat Pay notifications carry. */
const MCHID = '1900000109';
const TICK_MS = 1000;

interface KnownPayment {
  payment: PaymentCallback;
  /** The script drops its callback: the collector can only learn of it by asking. */
  callbackDropped: boolean;
}

export class ProviderSandbox {
  readonly wechat: FakeWechatPayApi;
  readonly alipay: FakeAlipayGateway;
  readonly #merchant: MerchantKeys;
  readonly #alipayAppId: string;
  readonly #now: () => number;
  /** Payments the providers do not show as paid yet. */
  #pending: KnownPayment[] = [];
  #scenario: Scenario | undefined;
  #nextChunk = 0;
  #released = true;
  #timer: NodeJS.Timeout | undefined;

  private constructor(keys: ProviderKeys, merchant: MerchantKeys, now: () => number) {
    this.#merchant = merchant;
    this.#alipayAppId = keys.alipay.appId;
    this.#now = now;
    this.wechat = new FakeWechatPayApi({
      mchid: MCHID,
      merchantSerial: merchant.wechatpay.serial,
      merchantPublicKey: merchant.wechatpay.publicKeyPem,
      platformPrivateKey: keys.wechatpay.privateKeyPem,
      platformSerial: keys.wechatpay.serial,
      now,
    });
    this.alipay = new FakeAlipayGateway({
      appId: keys.alipay.appId,
      appPublicKey: merchant.alipay.publicKeyPem,
      alipayPrivateKey: keys.alipay.privateKeyPem,
      now,
    });
  }

  /** Listens on loopback ports; the merchant keys are made in `keysDir` the first time. */
  static async start(
    keysDir: string,
    keys: ProviderKeys,
    now: () => number = Date.now,
  ): Promise<ProviderSandbox> {
    const sandbox = new ProviderSandbox(keys, await ensureMerchantKeys(keysDir), now);
    await sandbox.wechat.listen();
    await sandbox.alipay.listen();
    return sandbox;
  }

  /** The collector's provider-query variables pointing at this sandbox. */
  get env(): Record<string, string> {
    return {
      ORDERPULSE_WECHATPAY_MCHID: MCHID,
      ORDERPULSE_WECHATPAY_MERCHANT_KEY: this.#merchant.wechatpay.privateKeyPath,
      ORDERPULSE_WECHATPAY_MERCHANT_SERIAL: this.#merchant.wechatpay.serial,
      ORDERPULSE_WECHATPAY_API_BASE: this.wechat.baseUrl,
      ORDERPULSE_ALIPAY_APP_ID: this.#alipayAppId,
      ORDERPULSE_ALIPAY_APP_PRIVATE_KEY: this.#merchant.alipay.privateKeyPath,
      ORDERPULSE_ALIPAY_GATEWAY: this.alipay.gateway,
    };
  }

  /**
   * Knows the scenario's orders as time reaches them. Until `release()`, only the payments whose
   * callback the script drops show as paid: the others' callbacks are still on their way (the
   * simulator sends an hour of history in a minute or two, payments last, and holds later ones until
   * the WeChat bill is reconciled), and a query must not overtake a callback that, live, would have
   * come seconds after the payment.
   */
  follow(scenario: Scenario): void {
    this.#scenario = scenario;
    this.#released = false;
    this.#tick();
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  release(): void {
    this.#released = true;
    this.#tick();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.wechat.close();
    await this.alipay.close();
  }

  #tick(): void {
    const now = this.#now();
    const scenario = this.#scenario;
    // One chunk ahead, so an order is known to its provider before the collector can hear of it.
    while (
      scenario &&
      this.#nextChunk < scenario.chunkCount &&
      scenario.chunkStart(this.#nextChunk) <= now + CHUNK_MS
    ) {
      this.#know(scenario.ordersOfChunk(this.#nextChunk++));
    }
    const still: KnownPayment[] = [];
    for (const entry of this.#pending) {
      if (entry.payment.paidAt <= now && (this.#released || entry.callbackDropped)) this.#pay(entry.payment);
      else still.push(entry);
    }
    this.#pending = still;
  }

  #know(orders: readonly PlannedOrder[]): void {
    for (const { payment, incident } of orders) {
      if (payment === undefined) continue;
      if (payment.provider === 'wechatpay')
        this.wechat.orders.set(payment.orderId, { state: 'NOTPAY', amountFen: payment.amountFen });
      else
        this.alipay.trades.set(payment.orderId, {
          status: 'WAIT_BUYER_PAY',
          totalAmount: yuan(payment.amountFen),
        });
      this.#pending.push({ payment, callbackDropped: incident === 'lost_callback' });
    }
  }

  #pay(payment: PaymentCallback): void {
    if (payment.provider === 'wechatpay') {
      this.wechat.orders.set(payment.orderId, {
        state: 'SUCCESS',
        amountFen: payment.amountFen,
        transactionId: payment.transactionId,
        successTime: chinaRfc3339(payment.paidAt),
      });
    } else {
      this.alipay.trades.set(payment.orderId, {
        status: 'TRADE_SUCCESS',
        totalAmount: yuan(payment.amountFen),
        tradeNo: payment.transactionId,
        sendPayDate: alipayTimestamp(payment.paidAt),
      });
    }
  }
}

const yuan = (fen: number) => (fen / 100).toFixed(2);

/** RFC 3339 with the +08:00 offset, as WeChat Pay writes `success_time`. */
function chinaRfc3339(ms: number): string {
  return `${alipayTimestamp(Math.floor(ms / 1000) * 1000).replace(' ', 'T')}+08:00`;
}
