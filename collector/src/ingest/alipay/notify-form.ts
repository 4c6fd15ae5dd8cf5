// Alipay posts its async notify as application/x-www-form-urlencoded in the charset named by the
// `charset` parameter (utf-8 in practice, GBK for old integrations). Values are percent-decoded into
// bytes first and only then decoded in that charset, so a GBK notify is read correctly.
import iconv from 'iconv-lite';

export class AlipayFormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlipayFormError';
  }
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * `raw` holds one byte per character (latin1), so a byte sent unencoded is kept as that byte.
 * One pass into a preallocated buffer: a callback body of 1 MiB is decoded in milliseconds, where
 * a slice and a regular expression per escape cost most of a second.
 */
function percentDecode(raw: string): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charCodeAt(i);
    if (ch === 0x25 /* % */) {
      const hi = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 1)) : -1;
      const lo = hi < 0 ? -1 : hexValue(raw.charCodeAt(i + 2));
      if (lo < 0) throw new AlipayFormError('bad percent-encoding');
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else {
      // `+` is a space; raw non-ASCII (some proxies do not encode) is a byte of the body in its own charset.
      out[n++] = ch === 0x2b /* + */ ? 0x20 : ch;
    }
  }
  return out.subarray(0, n);
}

/** The decoded parameters, in arrival order. Duplicate keys are refused: they make the signature ambiguous. */
export function parseAlipayForm(body: string | Uint8Array): Map<string, string> {
  // A string body is taken as already decoded text: its characters go back to their UTF-8 bytes.
  const text = (typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)).toString('latin1');
  const pairs = text
    .split('&')
    .filter((part) => part.length > 0)
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    }) as [string, string][];
  const charsetPair = pairs.find(([key]) => key === 'charset');
  const charset = charsetPair
    ? percentDecode(charsetPair[1]).toString('latin1').trim().toLowerCase()
    : 'utf-8';
  if (!iconv.encodingExists(charset)) throw new AlipayFormError(`unknown charset ${JSON.stringify(charset)}`);
  const params = new Map<string, string>();
  for (const [rawKey, rawValue] of pairs) {
    const key = iconv.decode(percentDecode(rawKey), charset);
    if (params.has(key)) throw new AlipayFormError(`parameter ${key} appears twice`);
    params.set(key, iconv.decode(percentDecode(rawValue), charset));
  }
  return params;
}
