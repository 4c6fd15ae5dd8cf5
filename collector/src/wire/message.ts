// A catalogue message not yet rendered: its key in collector/src/messages and the structured
// parameters it is filled from, for clients that render in a language of their own.
import { type Static, Type } from '@sinclair/typebox';
import { OpenMap } from './open-map.ts';

export const MessageRef = Type.Object({
  key: Type.String({ description: 'e.g. `summary.payment_unapplied`' }),
  params: Type.Optional(OpenMap()),
});
export type MessageRef = Static<typeof MessageRef>;

/** `?lang=` on endpoints whose reply has sentences for a person. */
export const LangQuery = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 35,
    description: '`zh-CN` or `en`; default from `Accept-Language`, else zh-CN',
  }),
);
