// GET /v1/whoami: who the bearer token is, so a client shows only the controls its role may use.
import { type Static, Type } from '@sinclair/typebox';

export const Whoami = Type.Object({
  name: Type.String({ description: 'the token name (`name=secret` in the token variables)' }),
  role: Type.Union([
    Type.Literal('ingest'),
    Type.Literal('viewer'),
    Type.Literal('operator'),
    Type.Literal('admin'),
  ]),
});
export type Whoami = Static<typeof Whoami>;
