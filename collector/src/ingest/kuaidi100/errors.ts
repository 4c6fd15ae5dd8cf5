// Why a Kuaidi100 push was refused. The HTTP edge maps `status` onto the reply and keeps the raw
// body as a dead letter (a forged callback is a 401, bad input a 400, never a 5xx: the sender
// retries a 5xx, which would replay the forgery).

export const KUAIDI100_ERROR_CODES = ['sign_missing', 'sign_invalid', 'malformed'] as const;
export type Kuaidi100ErrorCode = (typeof KUAIDI100_ERROR_CODES)[number];

const STATUS: Record<Kuaidi100ErrorCode, number> = { sign_missing: 401, sign_invalid: 401, malformed: 400 };

export class Kuaidi100Error extends Error {
  readonly code: Kuaidi100ErrorCode;
  readonly status: number;

  constructor(code: Kuaidi100ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Kuaidi100Error';
    this.code = code;
    this.status = STATUS[code];
  }
}
