// Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256, for a JSON POST to `/` with the two
// headers the documentation signs (content-type and host). Checked against the documented example
// (cloud.tencent.com/document/api/213/30654, "Signature v3": SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE,
// timestamp 1551113065, signature 72e494ea…5168); the test repeats it. Written here rather than taken
// from tencentcloud-sdk-nodejs, which would bring its whole client for one HMAC chain.
import { createHash, createHmac } from 'node:crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

export interface Tc3Request {
  secretId: string;
  secretKey: string;
  /** The product, e.g. `sms`; also the first label of its host. */
  service: string;
  host: string;
  /** Unix seconds, also sent as X-TC-Timestamp. */
  timestamp: number;
  contentType: string;
  /** The exact body bytes that are sent. */
  payload: string;
}

export interface Tc3Signature {
  authorization: string;
  signature: string;
  credentialScope: string;
  hashedCanonicalRequest: string;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

export function tc3Sign(request: Tc3Request): Tc3Signature {
  const signedHeaders = 'content-type;host';
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${request.contentType.toLowerCase()}\nhost:${request.host.toLowerCase()}\n`,
    signedHeaders,
    sha256Hex(request.payload),
  ].join('\n');
  // The date is UTC's, whatever the local zone: at 00:44 in Shanghai it is still yesterday.
  const date = new Date(request.timestamp * 1000).toISOString().slice(0, 10);
  const credentialScope = `${date}/${request.service}/tc3_request`;
  const hashedCanonicalRequest = sha256Hex(canonicalRequest);
  const stringToSign = [
    TC3_ALGORITHM,
    String(request.timestamp),
    credentialScope,
    hashedCanonicalRequest,
  ].join('\n');
  const secretDate = hmac(`TC3${request.secretKey}`, date);
  const secretService = hmac(secretDate, request.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  return {
    authorization: `${TC3_ALGORITHM} Credential=${request.secretId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signature,
    credentialScope,
    hashedCanonicalRequest,
  };
}
