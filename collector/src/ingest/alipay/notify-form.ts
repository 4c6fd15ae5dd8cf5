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

/** `raw` holds one byte per character (latin1), so a byte sent unencoded is kept as that byte. */
function percentDecode(raw: string): Buffer {
  const spaced = raw.replace(/\+/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < spaced.length; i++) {
    const ch = spaced.charCodeAt(i);
    if (ch === 0x25 /* % */) {
      const hex = spaced.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new AlipayFormError('bad percent-encoding');
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      // Raw non-ASCII (some proxies do not encode): a byte of the body in its own charset.
      bytes.push(ch);
    }
  }
  return Buffer.from(bytes);
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
