// An `alipay.trade.query` request through the OpenAPI gateway: the common parameters (app_id,
// method, format, charset, sign_type, timestamp, version) and biz_content, signed RSA2 =
// SHA256withRSA with the app private key over every non-empty parameter but `sign`, sorted by name
// and joined `k=v&…` (opendocs.alipay.com/common/02kf5q; docs.open.alipay.com/api_1/alipay.trade.query;
// alipay-sdk-nodejs-all src/util.ts sign). Unlike a notify, `sign_type` is part of the signed string.
import { createSign, type KeyObject } from 'node:crypto';

export const ALIPAY_DEFAULT_GATEWAY = 'https://openapi.alipay.com/gateway.do';
export const TRADE_QUERY_METHOD = 'alipay.trade.query';

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8 all year), as the gateway expects. */
export function alipayTimestamp(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

export function tradeQueryParams(request: {
  appId: string;
  outTradeNo: string;
  timestamp: string;
}): Map<string, string> {
  return new Map([
    ['app_id', request.appId],
    ['method', TRADE_QUERY_METHOD],
    ['format', 'JSON'],
    ['charset', 'utf-8'],
    ['sign_type', 'RSA2'],
    ['timestamp', request.timestamp],
    ['version', '1.0'],
    ['biz_content', JSON.stringify({ out_trade_no: request.outTradeNo })],
  ]);
}

export function requestSignContent(params: ReadonlyMap<string, string>): string {
  return [...params.keys()]
    .filter((key) => key !== 'sign' && (params.get(key) ?? '') !== '')
    .sort()
    .map((key) => `${key}=${params.get(key)}`)
    .join('&');
}

export function signRequest(
  params: ReadonlyMap<string, string>,
  appPrivateKey: KeyObject | string,
): Map<string, string> {
  const sign = createSign('sha256').update(requestSignContent(params), 'utf8').sign(appPrivateKey, 'base64');
  return new Map([...params, ['sign', sign]]);
}

/**
 * The SDKs put the common parameters in the URL and the business content in the form body; the
 * gateway reads both.
 */
export function splitForGateway(
  gateway: string,
  signed: ReadonlyMap<string, string>,
): { url: string; body: string } {
  const url = new URL(gateway);
  const body = new URLSearchParams();
  for (const [key, value] of signed) {
    if (key === 'biz_content') body.set(key, value);
    else url.searchParams.set(key, value);
  }
  return { url: url.toString(), body: body.toString() };
}
