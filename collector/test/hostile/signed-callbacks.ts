// Provider callbacks signed the way WeChat Pay, Alipay and Kuaidi100 sign them, with whatever content
// a test wants: the signature check lets them through, so what is behind it gets fuzzed too.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signAlipayNotify } from '../../src/ingest/alipay/notify-signature.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { signNotify } from '../../src/ingest/wechatpay/notify-signature.ts';
import { apiV3KeyBytes, encryptResource } from '../../src/ingest/wechatpay/resource-decrypt.ts';

const API_V3_KEY = 'Synth3tic0nlyApiV3Key0123456789A';
const SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';
const KUAIDI100_SALT = 'push-salt-for-tests';
const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** The collector's environment for all three providers (key files in a fresh temporary directory). */
export function providerEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'op-hostile-'));
  const wechatKey = join(dir, 'wechatpay-platform.pem');
  const alipayKey = join(dir, 'alipay-public.pem');
  writeFileSync(wechatKey, wechat.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(alipayKey, alipay.publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    ORDERPULSE_WECHATPAY_APIV3_KEY: API_V3_KEY,
    ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: `${SERIAL}=${wechatKey}`,
    ORDERPULSE_ALIPAY_PUBLIC_KEY: alipayKey,
    ORDERPULSE_KUAIDI100_SALT: KUAIDI100_SALT,
  };
}

const chinaTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

export function alipayParams(orderId: string, notifyId: string): Map<string, string> {
  const now = Date.now() - 60_000;
  return new Map([
    ['notify_time', chinaTime(now)],
    ['notify_type', 'trade_status_sync'],
    ['notify_id', notifyId],
    ['app_id', '2021000000000000'],
    ['charset', 'utf-8'],
    ['version', '1.0'],
    ['sign_type', 'RSA2'],
    ['trade_no', `2024${orderId}`],
    ['out_trade_no', orderId],
    ['trade_status', 'TRADE_SUCCESS'],
    ['total_amount', '100.10'],
    ['gmt_payment', chinaTime(now)],
    ['passback_params', encodeURIComponent('{"store_id":"S7"}')],
  ]);
}

/** The form body of a notify Alipay signed with these parameters. */
export function signedAlipayForm(params: ReadonlyMap<string, string>): string {
  const signed = new Map(params);
  signed.delete('sign');
  signed.set('sign', signAlipayNotify(signed, alipay.privateKey));
  return new URLSearchParams([...signed]).toString();
}

export function wechatResource(orderId: string): Record<string, unknown> {
  return {
    mchid: '1900000001',
    out_trade_no: orderId,
    transaction_id: `4200${orderId}`,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    attach: '{"store_id":"S042"}',
    success_time: new Date(Date.now() - 60_000).toISOString(),
    amount: { total: 12800, payer_total: 12800, currency: 'CNY', payer_currency: 'CNY' },
  };
}

/** A notification WeChat Pay signed, its resource encrypted with the APIv3 key: body and headers. */
export function signedWechatNotification(
  resourcePlaintext: string,
  eventType = 'TRANSACTION.SUCCESS',
): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(
    JSON.stringify({
      id: randomUUID(),
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: '支付成功',
      resource: encryptResource(resourcePlaintext, apiV3KeyBytes(API_V3_KEY), 'gyYsJaQIiZ9x', 'transaction'),
    }),
  );
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replace(/-/g, '');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': SERIAL,
      'wechatpay-signature': signNotify(wechat.privateKey, timestamp, nonce, body),
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    },
  };
}

export function kuaidi100Param(trackingNo: string): Record<string, unknown> {
  const at = chinaTime(Date.now() - 3_600_000);
  return {
    status: 'polling',
    message: '',
    lastResult: {
      message: 'ok',
      state: '0',
      status: '200',
      ischeck: '0',
      com: 'yuantong',
      nu: trackingNo,
      data: [{ context: '【杭州市】快件已发往 北京转运中心', time: at, ftime: at, status: '在途' }],
    },
  };
}

/** The form body of a Kuaidi100 push signed with the salt. */
export function signedKuaidi100Form(param: string): string {
  return new URLSearchParams({ param, sign: kuaidi100PushSign(param, KUAIDI100_SALT) }).toString();
}
