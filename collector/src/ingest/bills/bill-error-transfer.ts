// A bill's errors as plain data and back, for a bill parsed on another thread: a structured clone
// keeps an Error's message but not its class or fields, and callers answer by class (400, 413) and
// read the line, the limit or a system error's code from the fields.
import { BillFormatError } from './bill-row.ts';
import { BillCellsError, BillEncodingError, BillLimitError } from './bill-text.ts';

type Field = string | number | boolean | undefined;

export interface ErrorData {
  name: string;
  message: string;
  stack: string | undefined;
  /** The error's own fields (line, tooLarge, expected; code, errno, syscall, path). */
  fields: Record<string, Field>;
}

export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error))
    return { name: 'Error', message: String(error), stack: undefined, fields: {} };
  const fields: Record<string, Field> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

// Each class made with placeholder arguments; its fields and message are then those described.
const CLASSES: Record<string, () => Error> = {
  BillFormatError: () => new BillFormatError('wechatpay', '', ''),
  BillLimitError: () => new BillLimitError(0, '', false),
  BillEncodingError: () => new BillEncodingError(''),
  BillCellsError: () => new BillCellsError(''),
};

/** The error `errorData` described: of the same class, with the same message and fields. */
export function errorFromData(data: ErrorData): Error {
  const error = Object.hasOwn(CLASSES, data.name) ? (CLASSES[data.name] as () => Error)() : new Error();
  Object.assign(error, data.fields);
  error.name = data.name;
  error.message = data.message;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
