// Tencent Cloud SMS, API 3.0 `SendSms` (version 2021-01-11), signed with TC3-HMAC-SHA256. The reply is
// HTTP 200 either way: `Response.Error` for a refused request, else one `SendStatusSet` entry per number
// whose `Code` is `Ok` when that number was accepted.

import type { SmsTemplateField } from '../../rules-config/sms-settings.ts';
import { DEFAULT_CHANNEL_TIMEOUT_MS } from '../channel.ts';
import { DeliveryError } from '../delivery-error.ts';
import type { Notification } from '../notification.ts';
import { httpStatusError, parseJsonBody, postBody } from '../post-json.ts';
import { tc3Sign } from '../sms/tc3-signature.ts';
import { smsTemplateValues } from '../sms/template-params.ts';
import { SmsChannel, type SmsLimitOptions } from './sms-delivery.ts';

export const TENCENT_SMS_ENDPOINT = 'https://sms.tencentcloudapi.com';
const SERVICE = 'sms';
const VERSION = '2021-01-11';
const CONTENT_TYPE = 'application/json; charset=utf-8';
/** A notification template's variable holds at most 6 characters (cloud.tencent.com/document/product/382/13301). */
export const TENCENT_SMS_PARAM_MAX_CHARS = 6;

export interface TencentSmsChannelOptions extends SmsLimitOptions {
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  signName: string;
  templateId: string;
  phoneNumbers: readonly string[];
  templateFields: readonly SmsTemplateField[];
  paramMaxChars?: number;
  region: string;
  /** Base URL; the official endpoint unless overridden (tests point it at a loopback fake). */
  endpoint?: string;
  timeoutMs?: number;
}

interface SendStatus {
  PhoneNumber?: string;
  Code?: string;
  Message?: string;
}

// Worth retrying: the platform's own trouble or its frequency limits; anything else (signature,
// template, sign name, balance) needs an operator.
const RETRYABLE = /^(InternalError|RequestLimitExceeded)/;

export class TencentSmsChannel extends SmsChannel<TencentSmsChannelOptions> {
  readonly type = 'tencent_sms' as const;

  /** Sends and returns the numbers the provider refused (when it accepted at least one). */
  protected async sendBatch(
    n: Notification,
    numbers: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<string[]> {
    const o = this.options;
    const url = new URL(o.endpoint ?? TENCENT_SMS_ENDPOINT);
    const payload = JSON.stringify({
      PhoneNumberSet: numbers,
      SmsSdkAppId: o.sdkAppId,
      SignName: o.signName,
      TemplateId: o.templateId,
      TemplateParamSet: smsTemplateValues(
        n,
        o.templateFields,
        o.paramMaxChars ?? TENCENT_SMS_PARAM_MAX_CHARS,
      ),
    });
    const timestamp = Math.floor((o.now ?? Date.now)() / 1000);
    const { authorization } = tc3Sign({
      secretId: o.secretId,
      secretKey: o.secretKey,
      service: SERVICE,
      host: url.host,
      timestamp,
      contentType: CONTENT_TYPE,
      payload,
    });
    const reply = await postBody(url.toString(), payload, {
      contentType: CONTENT_TYPE,
      timeoutMs: o.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS,
      ...(signal && { signal }),
      headers: {
        authorization,
        'x-tc-action': 'SendSms',
        'x-tc-version': VERSION,
        'x-tc-timestamp': String(timestamp),
        'x-tc-region': o.region,
      },
    });
    if (reply.status < 200 || reply.status > 299)
      throw httpStatusError(url.toString(), reply.status, reply.body, reply.headers);
    const response = parseJsonBody(reply.body)?.Response as
      | { Error?: { Code?: string; Message?: string }; SendStatusSet?: SendStatus[] }
      | undefined;
    if (response === undefined) {
      throw new DeliveryError('Tencent Cloud SMS answered without a Response object', {
        code: 'rejected',
        retryable: true,
      });
    }
    if (response.Error) {
      const code = String(response.Error.Code ?? 'unknown');
      throw new DeliveryError(
        `Tencent Cloud SMS refused the request: ${code} ${String(response.Error.Message ?? '')}`,
        {
          code: code.startsWith('RequestLimitExceeded') ? 'rate_limited' : 'rejected',
          retryable: RETRYABLE.test(code),
        },
      );
    }
    const statuses = response.SendStatusSet ?? [];
    const accepted = statuses.filter((s) => s.Code === 'Ok').map((s) => String(s.PhoneNumber));
    if (accepted.length === 0) {
      const first = statuses[0];
      const code = String(first?.Code ?? 'unknown');
      throw new DeliveryError(
        `Tencent Cloud SMS sent to no number: ${code} ${String(first?.Message ?? '')}`,
        {
          code: code.startsWith('LimitExceeded') ? 'rate_limited' : 'rejected',
          retryable: RETRYABLE.test(code),
        },
      );
    }
    return numbers.filter((number) => !accepted.includes(number));
  }
}
