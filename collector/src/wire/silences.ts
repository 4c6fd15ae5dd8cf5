// /v1/silences: Alertmanager's semantics; matchers in the object form `{label: value}` or
// `{label: {op, value}}` with op one of = != =~ !~.
import { type Static, Type } from '@sinclair/typebox';

export const MatchOperator = Type.Union([
  Type.Literal('='),
  Type.Literal('!='),
  Type.Literal('=~'),
  Type.Literal('!~'),
]);

export const MatcherValue = Type.Union([
  Type.String({ maxLength: 256 }),
  Type.Object({ op: MatchOperator, value: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
]);

export const Matchers = Type.Record(Type.String({ maxLength: 64 }), MatcherValue, { maxProperties: 20 });
export type Matchers = Static<typeof Matchers>;

export const SilenceRequest = Type.Object(
  {
    matchers: Matchers,
    starts_at: Type.Optional(
      Type.String({ maxLength: 64, description: 'RFC 3339 with an offset; default now' }),
    ),
    ends_at: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'RFC 3339 with an offset, in the future',
    }),
    comment: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type SilenceRequest = Static<typeof SilenceRequest>;

export const SilenceStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('pending'),
  Type.Literal('expired'),
]);
export type SilenceStatus = Static<typeof SilenceStatus>;

export const SilencesQuery = Type.Object({
  status: Type.Optional(SilenceStatus),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
export type SilencesQuery = Static<typeof SilencesQuery>;

export const SilenceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type SilenceParams = Static<typeof SilenceParams>;

export const Silence = Type.Object({
  id: Type.String(),
  matchers: Matchers,
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.String({ format: 'date-time' }),
  comment: Type.String(),
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  status: SilenceStatus,
});
export type Silence = Static<typeof Silence>;

export const SilenceReply = Type.Object({ silence: Silence });
export type SilenceReply = Static<typeof SilenceReply>;

export const SilenceList = Type.Object({ silences: Type.Array(Silence) });
export type SilenceList = Static<typeof SilenceList>;
