// Money crosses the wire as decimal yuan strings ("128.00", "-0.01") and lives inside OrderPulse as
// integer fen. The conversion is done on the digits, never through a float: 100.10 * 100 is
// 10009.999999999998 in IEEE 754, and one fen off is a reconciliation mismatch.

/** Thrown for a string that is not a plain decimal yuan amount. */
export class InvalidYuanError extends Error {
  readonly text: string;
  constructor(text: string, why: string) {
    super(`not a yuan amount (${why}): ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
    this.name = 'InvalidYuanError';
    this.text = text;
  }
}

// Sign, integer digits, optional fraction. Cleaning (`¥`, backticks, tabs, spaces, thousands
// separators) is the caller's business: a bill parser knows its own decoration, this function does not guess.
const YUAN = /^([+-]?)(\d+)(?:\.(\d+))?$/;

// 13 integer digits keep yuan * 100 + 99 far inside Number.MAX_SAFE_INTEGER (9.007e15).
const MAX_INTEGER_DIGITS = 13;

/**
 * Exact conversion of a yuan string to integer fen: `'0.01'` → 1, `'100.10'` → 10010, `'-3000.00'` → -300000.
 * One or two decimals; more are accepted only when the extra digits are zeros (`'1.000'`), because
 * anything else would need rounding.
 */
export function yuanToFen(text: string): number {
  const m = YUAN.exec(text);
  if (!m) throw new InvalidYuanError(text, 'expected digits with an optional sign and up to 2 decimals');
  const [, sign, integerDigits = '', fractionDigits = ''] = m;
  const significant = integerDigits.replace(/^0+(?=\d)/, '');
  if (significant.length > MAX_INTEGER_DIGITS) throw new InvalidYuanError(text, 'too large');
  if (fractionDigits.length > 2 && !/^0+$/.test(fractionDigits.slice(2))) {
    throw new InvalidYuanError(text, 'more than 2 decimals');
  }
  const fen = Number(significant) * 100 + Number(fractionDigits.slice(0, 2).padEnd(2, '0'));
  // `-0` would print and compare oddly; a negative zero amount is just zero.
  return sign === '-' && fen !== 0 ? -fen : fen;
}

/** `yuanToFen` that answers `undefined` instead of throwing, for optional columns. */
export function tryYuanToFen(text: string): number | undefined {
  try {
    return yuanToFen(text);
  } catch {
    return undefined;
  }
}

/** Integer fen back to the two-decimal yuan string: 10010 → `'100.10'`, -1 → `'-0.01'`. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
  const magnitude = Math.abs(fen);
  const yuan = Math.floor(magnitude / 100);
  const cents = magnitude % 100;
  return `${fen < 0 ? '-' : ''}${yuan}.${cents < 10 ? '0' : ''}${cents}`;
}
