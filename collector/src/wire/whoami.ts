// GET /v1/whoami: who the bearer token is, so a client shows only the controls its role and scope
// allow.
import { type Static, Type } from '@sinclair/typebox';

export const Whoami = Type.Object({
  name: Type.String({ description: 'the token name (`name=secret` in the token variables)' }),
  role: Type.Union([
    Type.Literal('ingest'),
    Type.Literal('viewer'),
    Type.Literal('operator'),
    Type.Literal('admin'),
  ]),
  stores: Type.Optional(
    Type.Array(Type.String(), { description: 'the stores the token is limited to (its tokens-file scope)' }),
  ),
  regions: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'the regions the token is limited to; a token with `stores` or `regions` sees only those stores and may not change rules',
    }),
  ),
});
export type Whoami = Static<typeof Whoami>;
