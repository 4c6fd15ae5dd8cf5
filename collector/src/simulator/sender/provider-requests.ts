// The providers' side of their callbacks: what WeChat Pay, Alipay and Kuaidi100 would POST, signed
// (and for WeChat encrypted) exactly as the collector's verifiers expect. Signing and encryption
// reuse the inverse helpers that live next to the production verifiers.
import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import { fenToYuan } from '../../domain/money.ts';
import { signAlipayNotify } from '../../ingest/alipay/notify-signature.ts';
import { kuaidi100PushSign } from '../../ingest/kuaidi100/sign.ts';
import { signNotify } from '../../ingest/wechatpay/notify-signature.ts';
import { apiV3KeyBytes, encryptResource } from '../../ingest/wechatpay/resource-decrypt.ts';
import type { CarrierPush, PaymentCallback } from '../actions.ts';
import { chinaLocalText } from '../traffic-curve.ts';
import type { ProviderKeys } from './provider-keys.ts';

export interface ProviderRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

const nonce = (length: number) => randomBytes(length).toString('base64url').slice(0, length);

/** WeChat Pay writes RFC 3339 with the +08:00 offset and whole seconds. */
const wechatTime = (ms: number) => `${chinaLocalText(ms).replace(' ', 'T')}+08:00`;

export class ProviderSigner {
  readonly #keys: ProviderKeys;
  readonly #wechatKey: KeyObject;
  readonly #alipayKey: KeyObject;
  readonly #apiV3Key: Buffer;

  constructor(keys: ProviderKeys) {
    this.#keys = keys;
    this.#wechatKey = createPrivateKey(keys.wechatpay.privateKeyPem);
    this.#alipayKey = createPrivateKey(keys.alipay.privateKeyPem);
    this.#apiV3Key = apiV3KeyBytes(keys.wechatpay.apiV3Key);
  }

  payment(callback: PaymentCallback, nowMs: number): ProviderRequest {
    return callback.provider === 'wechatpay' ? this.wechatpay(callback, nowMs) : this.alipay(callback, nowMs);
  }

  /** A TRANSACTION.SUCCESS notification (API v3); the timestamp is now, as the verifier demands. */
  wechatpay(callback: PaymentCallback, nowMs: number): ProviderRequest {
    const resource = JSON.stringify({
      mchid: '1900000109',
      appid: 'wx5a3f2b9c81d4e607',
      out_trade_no: callback.orderId,
      transaction_id: callback.transactionId,
      trade_type: callback.tradeType,
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'OTHERS',
      attach: JSON.stringify({ store_id: callback.storeId }),
      success_time: wechatTime(callback.paidAt),
      payer: { openid: callback.payer },
      amount: {
        total: callback.amountFen,
        payer_total: callback.amountFen,
        currency: 'CNY',
        payer_currency: 'CNY',
      },
      ...(callback.tillId && { scene_info: { device_id: callback.tillId } }),
    });
    const envelope = {
      id: callback.notifyId,
      create_time: wechatTime(callback.paidAt),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: encryptResource(resource, this.#apiV3Key, nonce(12), 'transaction'),
    };
    const body = JSON.stringify(envelope);
    const timestamp = String(Math.floor(nowMs / 1000));
    const headerNonce = nonce(32);
    return {
      path: '/v1/notify/wechatpay',
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': timestamp,
        'wechatpay-nonce': headerNonce,
        'wechatpay-serial': this.#keys.wechatpay.serial,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
        'wechatpay-signature': signNotify(this.#wechatKey, timestamp, headerNonce, Buffer.from(body, 'utf8')),
      },
      body,
    };
  }

  /** An RSA2-signed trade_status_sync notify, form-encoded in UTF-8. */
  alipay(callback: PaymentCallback, nowMs: number): ProviderRequest {
    const amount = fenToYuan(callback.amountFen);
    const params = new Map<string, string>([
      ['gmt_create', chinaLocalText(callback.paidAt - 5000)],
      ['charset', 'utf-8'],
      ['gmt_payment', chinaLocalText(callback.paidAt)],
      ['notify_time', chinaLocalText(nowMs)],
      ['subject', '门店商品'],
      ['buyer_id', callback.payer],
      ['invoice_amount', amount],
      ['version', '1.0'],
      ['notify_id', callback.notifyId],
      ['notify_type', 'trade_status_sync'],
      ['out_trade_no', callback.orderId],
      ['total_amount', amount],
      ['trade_status', 'TRADE_SUCCESS'],
      ['trade_no', callback.transactionId],
      ['auth_app_id', this.#keys.alipay.appId],
      ['receipt_amount', amount],
      ['app_id', this.#keys.alipay.appId],
      ['buyer_pay_amount', amount],
      ['seller_id', '2088102177846880'],
      ['passback_params', encodeURIComponent(JSON.stringify({ store_id: callback.storeId }))],
      ['sign_type', 'RSA2'],
    ]);
    params.set('sign', signAlipayNotify(params, this.#alipayKey));
    const body = [...params].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return {
      path: '/v1/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    };
  }

  /** A subscription push: the whole history so far, newest first, `sign` = MD5(param + salt). */
  kuaidi100(push: CarrierPush): ProviderRequest {
    const newest = push.checkpoints[push.checkpoints.length - 1];
    const signed = newest?.code === '3';
    const param = JSON.stringify({
      status: signed ? 'shutdown' : 'polling',
      billstatus: 'got',
      message: '',
      autoCheck: '0',
      comOld: '',
      comNew: '',
      lastResult: {
        message: 'ok',
        nu: push.trackingNo,
        ischeck: signed ? '1' : '0',
        condition: 'F00',
        com: push.carrier,
        status: '200',
        state: newest?.code ?? '0',
        data: [...push.checkpoints].reverse().map((c) => ({
          time: chinaLocalText(c.at),
          ftime: chinaLocalText(c.at),
          context: c.context,
          areaName: c.city,
          status: c.name,
          statusCode: c.code,
        })),
      },
    });
    const sign = kuaidi100PushSign(param, this.#keys.kuaidi100Salt);
    return {
      path: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `param=${encodeURIComponent(param)}&sign=${sign}`,
    };
  }
}
