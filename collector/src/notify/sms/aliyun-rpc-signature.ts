// Alibaba Cloud RPC-style request signing (SignatureMethod HMAC-SHA1, SignatureVersion 1.0): HMAC-SHA1
// with key `AccessKeySecret&` over `METHOD&%2F&` + the percent-encoded canonicalized query, base64.
// Checked against the documented examples: the SMS SendSms example (help.aliyun.com/document_detail/56189,
// testId/testSecret, signature zJDF+Lrzhj/ThnlvIToysFRq6t4=) and the RPC signature page's
// DescribeRegions example (help.aliyun.com/document_detail/25492, testid/testsecret,
// OLeaidS1JvxuMvnyHOwuJ+uX5qY=); the tests repeat both. Written here rather than taken from
// @alicloud/pop-core to avoid a dependency for one HMAC.
import { createHmac } from 'node:crypto';

/** RFC 3986 percent-encoding as Alibaba's POP gateway expects: space %20, `*` %2A, `~` kept. */
export function popPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The canonicalized query: every parameter but Signature, sorted by name, encoded. */
export function popCanonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${popPercentEncode(name)}=${popPercentEncode(params[name] ?? '')}`)
    .join('&');
}

export function popStringToSign(method: 'GET' | 'POST', params: Readonly<Record<string, string>>): string {
  return `${method}&${popPercentEncode('/')}&${popPercentEncode(popCanonicalQuery(params))}`;
}

export function popSignature(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return createHmac('sha1', `${accessKeySecret}&`)
    .update(popStringToSign(method, params), 'utf8')
    .digest('base64');
}
