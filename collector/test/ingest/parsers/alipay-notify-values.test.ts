// Alipay notify details beyond the edges file: a form part that starts with "=", the error's name,
// the public key with whitespace around its PEM, the sign string a signer uses by default, checks
// that are off when not configured, the exact reply that stops Alipay's retries, signatures that
// must not pass, a notify whose every signed value is empty, and the documented limits and time
// fields written out rather than imported.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { AlipayFormError, parseAlipayForm } from '../../../src/ingest/alipay/notify-form.ts';
import {
  alipayPublicKey,
  signAlipayNotify,
  verifyAlipayNotifySign,
} from '../../../src/ingest/alipay/notify-signature.ts';
import { ALIPAY_SUCCESS_REPLY, AlipayNotifyVerifier } from '../../../src/ingest/alipay/notify-verifier.ts';

const keys = generateKeyPairSync('rsa', { modulusLength: 1024 });
// 2024-06-01 10:15:31 in China.
const NOTIFY_TIME = Date.parse('2024-06-01T02:15:31Z');
const PAID: [string, string][] = [
  ['notify_id', 'N1'],
  ['trade_status', 'TRADE_SUCCESS'],
  ['out_trade_no', 'O1'],
  ['trade_no', 'T1'],
  ['total_amount', '12.30'],
  ['gmt_payment', '2024-06-01 10:15:30'],
  ['notify_time', '2024-06-01 10:15:31'],
];

describe('form parts', () => {
  it('reads a part starting with "=" as an empty key with the rest as its value', () => {
    expect([...parseAlipayForm('a=1&=v')]).toEqual([
      ['a', '1'],
      ['', 'v'],
    ]);
  });

  it('throws AlipayFormError, named so, for a bad form', () => {
    let thrown: unknown;
    try {
      parseAlipayForm('s=%zz');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AlipayFormError);
    expect((thrown as Error).name).toBe('AlipayFormError');
  });
});

describe('the Alipay public key', () => {
  it('reads a PEM with spaces and blank lines around it', () => {
    const pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(alipayPublicKey(`  ${pem}\n\n`).equals(keys.publicKey)).toBe(true);
  });
});

describe('signing by default', () => {
  it('signs the string without empty values', () => {
    const params = new Map([
      ['a', '1'],
      ['body', ''],
    ]);
    params.set('sign', signAlipayNotify(params, keys.privateKey));
    expect(verifyAlipayNotifySign(params, keys.publicKey)).toEqual({ ok: true, variant: 'empty_skipped' });
  });
});

describe('a notify whose every signed value is empty', () => {
  it('verifies over the empty-kept string, as the official SDK does', () => {
    // Every parameter but sign and sign_type is empty: the empty-skipped string is "", so only the
    // empty-kept one, written out here, can match.
    const params = new Map([
      ['body', ''],
      ['subject', ''],
      ['sign_type', 'RSA2'],
    ]);
    params.set('sign', createSign('sha256').update('body=&subject=', 'utf8').sign(keys.privateKey, 'base64'));
    const sdk = new AlipaySdk({
      appId: '2021000000000000',
      keyType: 'PKCS8',
      privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      alipayPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    expect(sdk.checkNotifySign(Object.fromEntries(params))).toBe(true);
    expect(verifyAlipayNotifySign(params, keys.publicKey)).toEqual({ ok: true, variant: 'empty_kept' });
  });
});

describe('AlipayNotifyVerifier without app or seller configured', () => {
  it('accepts a notify for any app and seller', () => {
    const params = new Map([...PAID, ['app_id', '2021000000000000'], ['seller_id', '2088102170000000']]);
    params.set('sign', signAlipayNotify(params, keys.privateKey));
    const body = new URLSearchParams([...params]).toString();
    const open = new AlipayNotifyVerifier({ publicKey: keys.publicKey });
    expect(open.verify(body, NOTIFY_TIME)).toMatchObject({ ok: true, kind: 'event' });
  });
});

describe('the reply', () => {
  it('is exactly the 7 bytes "success"', () => {
    expect(ALIPAY_SUCCESS_REPLY).toBe('success');
  });
});

describe('signatures that must not pass', () => {
  it('refuses a forged signature when a value is empty', () => {
    const params = new Map([
      ['a', ''],
      ['b', '2'],
    ]);
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 });
    params.set('sign', signAlipayNotify(params, other.privateKey, { skipEmpty: false }));
    expect(verifyAlipayNotifySign(params, keys.publicKey)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses, rather than throwing, with a key that cannot check RSA', () => {
    const params = new Map([['a', '1']]);
    params.set('sign', signAlipayNotify(params, keys.privateKey));
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(verifyAlipayNotifySign(params, publicKey)).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('checks and times by their documented values', () => {
  const form = (pairs: [string, string][]) => {
    const params = new Map(pairs);
    params.set('sign', signAlipayNotify(params, keys.privateKey));
    return new URLSearchParams([...params]).toString();
  };
  const open = new AlipayNotifyVerifier({ publicKey: keys.publicKey });

  it('accepts a notify_time 10 minutes ahead, not a millisecond more', () => {
    expect(open.verify(form(PAID), NOTIFY_TIME - 600_000)).toMatchObject({ ok: true });
    expect(open.verify(form(PAID), NOTIFY_TIME - 600_001)).toMatchObject({ error: 'notify_time_stale' });
  });

  it('says why sign_type RSA is refused', () => {
    expect(open.verify(form([...PAID, ['sign_type', 'RSA']]), NOTIFY_TIME)).toEqual({
      ok: false,
      error: 'sign_type_refused',
      message: 'sign_type RSA (SHA-1) is refused; use RSA2',
      status: 401,
    });
  });

  it('times a finished trade at gmt_payment, and a timeout close without gmt_close at notify_time', () => {
    const finished = open.verify(
      form(PAID.map(([k, v]): [string, string] => [k, k === 'trade_status' ? 'TRADE_FINISHED' : v])),
      NOTIFY_TIME,
    );
    expect(finished).toMatchObject({ event: { status: 'success', occurredAt: NOTIFY_TIME - 1000 } });
    const closed = open.verify(
      form(PAID.map(([k, v]): [string, string] => [k, k === 'trade_status' ? 'TRADE_CLOSED' : v])),
      NOTIFY_TIME,
    );
    expect(closed).toMatchObject({ event: { status: 'closed', occurredAt: NOTIFY_TIME } });
  });

  it('names an unknown charset without the spaces around it', () => {
    expect(() => parseAlipayForm('charset=%20x-nope%20&s=1')).toThrow('unknown charset "x-nope"');
  });
});
