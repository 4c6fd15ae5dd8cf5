// The error body every /v1 endpoint answers with: a machine code, a sentence, and optional details.
import { type Static, Type } from '@sinclair/typebox';

export const ApiErrorBody = Type.Object({
  error: Type.String({ description: 'machine code' }),
  message: Type.String({ description: 'human sentence' }),
  // Any JSON: request validation puts the validator's list here, other errors an object.
  details: Type.Optional(Type.Unknown()),
});
export type ApiErrorBody = Static<typeof ApiErrorBody>;
