// Kuaidi100 signatures (PROVIDERS.md 4.2, 4.5). The push sign covers the raw `param` form value
// exactly as received: re-serialising the JSON would change key order or escaping and break it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Kuaidi100Error } from './errors.ts';

function md5Upper(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
}

/** `sign` of a subscription push: UPPER(MD5(param + salt)). */
export function kuaidi100PushSign(param: string, salt: string): string {
  return md5Upper(param + salt);
}

/** `sign` of a query request: UPPER(MD5(param + key + customer)). */
export function kuaidi100QuerySign(param: string, key: string, customer: string): string {
  return md5Upper(param + key + customer);
}

/** Throws `sign_missing` or `sign_invalid`; hex case is ignored (SDKs send upper case, some lower). */
export function verifyKuaidi100PushSign(param: string, sign: string | undefined, salt: string): void {
  if (sign === undefined || sign.trim() === '') {
    throw new Kuaidi100Error('sign_missing', 'the push carries no sign');
  }
  const expected = Buffer.from(kuaidi100PushSign(param, salt), 'latin1');
  const given = Buffer.from(sign.trim().toUpperCase(), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Kuaidi100Error('sign_invalid', 'the push sign does not match MD5(param + salt)');
  }
}
