// Alibaba Cloud SMS (dysmsapi) `SendSms`, version 2017-05-25, an RPC-style API signed with HMAC-SHA1
// over the canonicalized parameters, sent as a form POST. The reply is JSON: `Code` `OK` when accepted;
// errors come with HTTP 200 (`isv.*` business errors) or 4xx (signature, access key).
import { randomUUID } from 'node:crypto';
import type { SmsTemplateField } from '../../rules-config/sms-settings.ts';
import { DEFAULT_CHANNEL_TIMEOUT_MS } from '../channel.ts';
import { DeliveryError } from '../delivery-error.ts';
import type { Notification } from '../notification.ts';
import { httpStatusError, parseJsonBody, postBody } from '../post-json.ts';
import { popCanonicalQuery, popSignature } from '../sms/aliyun-rpc-signature.ts';
import { smsTemplateValues } from '../sms/template-params.ts';
import { SmsChannel, type SmsLimitOptions } from './sms-delivery.ts';

export const ALIYUN_SMS_ENDPOINT = 'https://dysmsapi.aliyuncs.com';
/** Alibaba allows longer template variables than Tencent; 35 characters is its common cap per variable. */
export const ALIYUN_SMS_PARAM_MAX_CHARS = 35;

export interface AliyunSmsChannelOptions extends SmsLimitOptions {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  templateCode: string;
  phoneNumbers: readonly string[];
  templateFields: readonly SmsTemplateField[];
  paramMaxChars?: number;
  endpoint?: string;
  timeoutMs?: number;
  /** Nonces are random; tests may fix them. */
  nonce?: () => string;
}

// Flow control and the platform's own trouble may pass; a wrong key, sign name or template will not.
const RETRYABLE = /^(isp\.|Throttling|ServiceUnavailable|InternalError)/;

export class AliyunSmsChannel extends SmsChannel<AliyunSmsChannelOptions> {
  readonly type = 'aliyun_sms' as const;

  protected async sendBatch(
    n: Notification,
    numbers: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<readonly string[]> {
    const o = this.options;
    const values = smsTemplateValues(n, o.templateFields, o.paramMaxChars ?? ALIYUN_SMS_PARAM_MAX_CHARS);
    const templateParam = Object.fromEntries(o.templateFields.map((field, i) => [field, values[i]]));
    const params: Record<string, string> = {
      AccessKeyId: o.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: numbers.join(','),
      RegionId: 'cn-hangzhou',
      SignName: o.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: (o.nonce ?? randomUUID)(),
      SignatureVersion: '1.0',
      TemplateCode: o.templateCode,
      TemplateParam: JSON.stringify(templateParam),
      Timestamp: new Date((o.now ?? Date.now)()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
    };
    const body = `${popCanonicalQuery(params)}&Signature=${encodeURIComponent(popSignature('POST', params, o.accessKeySecret))}`;
    const url = `${o.endpoint ?? ALIYUN_SMS_ENDPOINT}/`;
    const reply = await postBody(url, body, {
      contentType: 'application/x-www-form-urlencoded',
      timeoutMs: o.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS,
      ...(signal && { signal }),
    });
    const answer = parseJsonBody(reply.body);
    const code = typeof answer?.Code === 'string' ? answer.Code : undefined;
    // Alibaba Cloud takes or refuses the batch as a whole.
    if (code === 'OK' && reply.status >= 200 && reply.status <= 299) return [];
    if (code === undefined) throw httpStatusError(url, reply.status, reply.body, reply.headers);
    throw new DeliveryError(
      `Alibaba Cloud SMS refused the message: ${code} ${String(answer?.Message ?? '')}`,
      {
        code:
          code === 'isv.BUSINESS_LIMIT_CONTROL' || code.startsWith('Throttling')
            ? 'rate_limited'
            : 'rejected',
        retryable: RETRYABLE.test(code) || reply.status >= 500,
        status: reply.status,
      },
    );
  }
}
