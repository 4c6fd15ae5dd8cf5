// GET /v1/rules/fields: every field a custom rule's `when` may read, for the rule editor's field list.
import { type Static, Type } from '@sinclair/typebox';

export const RuleField = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean')]),
  values: Type.Optional(
    Type.Array(Type.String(), { description: 'for enumerations: the only values a literal may take' }),
  ),
  description: Type.String({ description: 'in English; the dashboard shows its own translation' }),
  example: Type.String({ description: 'a condition reading the field, as a rule author writes it' }),
});
export type RuleField = Static<typeof RuleField>;

export const RuleFieldList = Type.Object({ fields: Type.Array(RuleField) });
export type RuleFieldList = Static<typeof RuleFieldList>;
