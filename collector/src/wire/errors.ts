// The body of every error reply: a machine code, a sentence for people, and details where they help.
import { type Static, Type } from '@sinclair/typebox';

export const ApiErrorBody = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. `invalid_request`' }),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'ApiErrorBody' },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;
