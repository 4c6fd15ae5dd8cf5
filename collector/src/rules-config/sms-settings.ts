// The settings both SMS channels share: whom to text, with which approved template, how often at
// most; and the phone-number check every channel that names people by number uses.
import type { ObjectCursor } from './object-cursor.ts';
import { problem } from './problem.ts';
import type { Cursor } from './yaml-cursor.ts';

/** The values OrderPulse can fill an approved SMS template's variables with. */
/** `link`: the alert's phone page (sent whole, never cut; the template needs a link variable for it). */
export const SMS_TEMPLATE_FIELDS = [
  'rule',
  'severity',
  'status',
  'store',
  'count',
  'summary',
  'link',
] as const;
export type SmsTemplateField = (typeof SMS_TEMPLATE_FIELDS)[number];

export const DEFAULT_SMS_TEMPLATE_FIELDS: readonly SmsTemplateField[] = ['rule', 'store', 'count'];

/** What both SMS channels take: whom to text, with which approved template, how often at most. */
export interface SmsSettings {
  signName: string;
  /** Numbers written in routes.yaml; `phoneNumbersEnv` names a variable with more, comma-separated. */
  phoneNumbers: readonly string[];
  phoneNumbersEnv?: string;
  /** Which values fill the template's variables, in order (Tencent) or by these names (Alibaba). */
  templateParams: readonly SmsTemplateField[];
  /** Characters per template variable; the provider's limit by default. */
  paramMaxChars?: number;
  /** At most `max` texts per number per `windowMs`; the rest are counted as suppressed. */
  rateLimit: { max: number; windowMs: number };
  endpointEnv?: string;
}

export const SMS_KEYS = [
  'sign_name',
  'phone_numbers',
  'phone_numbers_env',
  'template_params',
  'param_max_chars',
  'max_per_number',
  'per_number_window',
  'endpoint_env',
];

/** Reads an optional or required `*_env` key of the channel being read. */
export type EnvKeyReader = (key: string, required: boolean) => string | undefined;

export function readSmsSettings(object: ObjectCursor, env: EnvKeyReader): SmsSettings | undefined {
  const signNameCursor = object.get('sign_name');
  const signName = signNameCursor.required() ? signNameCursor.string() : undefined;
  if (signName !== undefined && (signName.trim() === '' || [...signName].length > 32)) {
    signNameCursor.error(problem('ruleError.smsSignName'));
  }
  const phoneNumbers = object.get('phone_numbers').stringList(readMobile) ?? [];
  const phoneNumbersEnv = env('phone_numbers_env', false);
  if (phoneNumbers.length === 0 && phoneNumbersEnv === undefined) {
    object.error(problem('ruleError.smsNoNumbers'));
  }
  const paramsCursor = object.get('template_params');
  const templateParams = paramsCursor.present
    ? paramsCursor.stringList((item) => {
        const field = item.peekString();
        if (!(SMS_TEMPLATE_FIELDS as readonly string[]).includes(field ?? '')) {
          item.oneOf(SMS_TEMPLATE_FIELDS);
          return undefined;
        }
        return field;
      })
    : [...DEFAULT_SMS_TEMPLATE_FIELDS];
  const paramMaxChars = object.get('param_max_chars').integer(1, 500);
  const max = object.get('max_per_number').integer(1, 1000) ?? 5;
  const windowMs = object.get('per_number_window').duration({ positive: true }) ?? 10 * 60_000;
  const endpointEnv = env('endpoint_env', false);
  if (signName === undefined || templateParams === undefined) return undefined;
  return {
    signName,
    phoneNumbers,
    ...(phoneNumbersEnv !== undefined && { phoneNumbersEnv }),
    templateParams: templateParams as SmsTemplateField[],
    ...(paramMaxChars !== undefined && { paramMaxChars }),
    rateLimit: { max, windowMs },
    ...(endpointEnv !== undefined && { endpointEnv }),
  };
}

export function readMobile(cursor: Cursor): string | undefined {
  const text = cursor.peekString();
  if (text === undefined || !/^\+?[0-9][0-9-]{4,19}$/.test(text)) {
    cursor.error(problem('ruleError.phoneNumber'));
    return undefined;
  }
  return text;
}
