// GET /v1/rules: the rule set running now, whether the last load of alert-rules/ was valid (with
// its precise errors if not), its content hash and the last change.
import { type Static, Type } from '@sinclair/typebox';
import { Severity } from './alerts.ts';
import { Nullable } from './nullable.ts';

/** One problem of a rule file, as precise as the loader could make it. */
export const RuleError = Type.Object({
  file: Type.String(),
  rule: Type.Optional(Type.String()),
  field: Type.String(),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ minimum: 1 })),
  column: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type RuleError = Static<typeof RuleError>;

/** A built-in rule carries `params`; a custom rule `description`, `condition` and `tags`. */
export const RuleSummary = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('builtin'), Type.Literal('custom')]),
  enabled: Type.Boolean(),
  severity: Severity,
  file: Nullable(Type.String()),
  route: Nullable(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  description: Type.Optional(Nullable(Type.String())),
  condition: Type.Optional(Type.String()),
  tags: Type.Optional(Type.Array(Type.String())),
});
export type RuleSummary = Static<typeof RuleSummary>;

export const RulesReport = Type.Object({
  dir: Type.String({ description: 'relative to the working directory' }),
  source: Type.Union([Type.Literal('files'), Type.Literal('defaults')], {
    description: '`defaults`: no valid rule set was ever loaded, the built-in defaults run',
  }),
  valid: Type.Boolean({ description: 'whether the latest load attempt was valid' }),
  content_hash: Nullable(Type.String()),
  loaded_at: Nullable(Type.String({ format: 'date-time' })),
  files: Type.Array(Type.String()),
  errors: Type.Array(RuleError),
  last_attempt: Nullable(Type.Object({ at: Type.String({ format: 'date-time' }), ok: Type.Boolean() })),
  last_change: Nullable(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      outcome: Type.Union([Type.Literal('applied'), Type.Literal('rejected')]),
      content_hash: Nullable(Type.String()),
    }),
  ),
  rules: Type.Array(RuleSummary),
});
export type RulesReport = Static<typeof RulesReport>;
