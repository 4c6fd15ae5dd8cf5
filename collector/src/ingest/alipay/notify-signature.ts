// Alipay notify signature (RSA2 = SHA256withRSA, RSA = SHA1withRSA) over the sorted parameters.
// The official SDKs disagree on empty values: the PHP AopClient (rsaCheckV1 → getSignContent) skips
// them, the Java AlipaySignature.getSignCheckContentV1 keeps them (`key=`). Alipay signs what it sends,
// so the two only differ when a parameter arrives empty; we accept a signature that verifies over
// either string, trying the empty-skipping one first.
// Alipay signs the bytes of the string in the notify's own `charset` (GBK for old integrations), so
// a GBK notify is checked over its GBK bytes first, then over UTF-8 for senders that sign UTF-8
// whatever they declare.
import { createPublicKey, createSign, type KeyObject, verify } from 'node:crypto';
import iconv from 'iconv-lite';

const EXCLUDED = new Set(['sign', 'sign_type']);

export interface SignContentOptions {
  /** Drop parameters whose value is empty (PHP SDK, and how request parameters are signed). */
  skipEmpty: boolean;
}

export function alipaySignContent(params: ReadonlyMap<string, string>, options: SignContentOptions): string {
  // Plain code-unit order: keys are ASCII, where it equals the SDKs' byte order.
  return [...params.keys()]
    .filter((key) => !EXCLUDED.has(key))
    .filter((key) => !options.skipEmpty || (params.get(key) ?? '') !== '')
    .sort()
    .map((key) => `${key}=${params.get(key)}`)
    .join('&');
}

function digestFor(signType: string | undefined): 'sha256' | 'sha1' | undefined {
  if (signType === undefined || signType === '' || signType === 'RSA2') return 'sha256';
  if (signType === 'RSA') return 'sha1';
  return undefined;
}

export type AlipaySignCheck =
  | { ok: true; variant: 'empty_skipped' | 'empty_kept' }
  | { ok: false; reason: 'sign_missing' | 'sign_type_unsupported' | 'mismatch' };

export function verifyAlipayNotifySign(
  params: ReadonlyMap<string, string>,
  publicKey: KeyObject,
): AlipaySignCheck {
  const sign = params.get('sign');
  if (!sign) return { ok: false, reason: 'sign_missing' };
  const digest = digestFor(params.get('sign_type'));
  if (!digest) return { ok: false, reason: 'sign_type_unsupported' };
  const signature = Buffer.from(sign, 'base64');
  const encodings = signedEncodings(params.get('charset'));
  const check = (content: string) =>
    encodings.some((encoding) => {
      try {
        return verify(digest, iconv.encode(content, encoding), publicKey, signature);
      } catch {
        return false;
      }
    });
  if (check(alipaySignContent(params, { skipEmpty: true }))) return { ok: true, variant: 'empty_skipped' };
  const hasEmpty = [...params].some(([key, value]) => value === '' && !EXCLUDED.has(key));
  if (hasEmpty && check(alipaySignContent(params, { skipEmpty: false })))
    return { ok: true, variant: 'empty_kept' };
  return { ok: false, reason: 'mismatch' };
}

function signedEncodings(charset: string | undefined): string[] {
  const declared = charset?.trim().toLowerCase();
  if (!declared || !iconv.encodingExists(declared)) return ['utf8'];
  return declared === 'utf-8' || declared === 'utf8' ? ['utf8'] : [declared, 'utf8'];
}

/** Alipay's side of it; used by tests and the traffic simulator. */
export function signAlipayNotify(
  params: ReadonlyMap<string, string>,
  privateKey: string | KeyObject,
  options: SignContentOptions = { skipEmpty: true },
): string {
  return createSign('sha256').update(alipaySignContent(params, options), 'utf8').sign(privateKey, 'base64');
}

/**
 * Alipay's console hands out the public key as bare base64 (no PEM armour); accept that as well as PEM.
 */
export function alipayPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN')) return createPublicKey(trimmed);
  const body = trimmed.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n');
  return createPublicKey(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`);
}
