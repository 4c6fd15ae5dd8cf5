// POST /v1/rules/backtest: a draft custom rules file tried against the stored events of a window.
import { type Static, Type } from '@sinclair/typebox';

export const RuleBacktestBody = Type.Object(
  {
    yaml: Type.Optional(
      Type.String({ minLength: 1, maxLength: 262_144, description: 'a custom rules file (`rules: [...]`)' }),
    ),
    rule: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'one custom rule as an object (the fields of one item of `rules:`), instead of `yaml`',
      }),
    ),
    file: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\.yaml$',
        description: 'the name the draft would have under custom/, for error positions; default draft.yaml',
      }),
    ),
    window: Type.String({
      pattern: '^[1-9][0-9]{0,3}[hd]$',
      description: 'how far back from `to`: hours (`24h`) or days (`7d`), at most 7 days',
    }),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'end of the window (exclusive); default now' }),
    ),
  },
  { additionalProperties: false },
);
export type RuleBacktestBody = Static<typeof RuleBacktestBody>;

export const RuleBacktestReply = Type.Object({
  window: Type.Object({
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
  }),
  events_scanned: Type.Integer({ minimum: 0, description: 'events of the window evaluated' }),
  fired: Type.Integer({
    minimum: 0,
    description: "times a draft rule's condition started to hold for an order",
  }),
  by_rule: Type.Array(Type.Object({ rule: Type.String(), count: Type.Integer({ minimum: 0 }) })),
  by_store: Type.Array(Type.Object({ store_id: Type.String(), count: Type.Integer({ minimum: 1 }) }), {
    description: 'the stores with the most firings, most first (ties by store id)',
  }),
  stores_fired: Type.Integer({ minimum: 0 }),
  sample: Type.Array(
    Type.Object({
      order_id: Type.String(),
      store_id: Type.String(),
      at: Type.String({ format: 'date-time' }),
      rule: Type.String(),
    }),
    { description: 'the first firings by event time' },
  ),
  scanned_to: Type.String({
    format: 'date-time',
    description: 'events before this were replayed (the window end unless the time budget ran out)',
  }),
  rule_errors: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
    description: 'rules that threw while evaluated (they then did not match), how often',
  }),
  truncated: Type.Optional(
    Type.Literal(true, {
      description: 'something was cut: the sample, the store list, or the replay (see scanned_to)',
    }),
  ),
});
export type RuleBacktestReply = Static<typeof RuleBacktestReply>;
