// GET /v1/rules: the rule set running now, whether the last load of alert-rules/ was valid (with
// its precise errors if not), its content hash and the last change.
import { type Static, Type } from '@sinclair/typebox';
import { Severity } from './alerts.ts';
import { MessageRef } from './message.ts';
import { Nullable } from './nullable.ts';

/**
 * One problem of a rule file, as precise as the loader could make it: `message` in English (what
 * `orderpulse rules check` prints), `message_ref` the same problem for rendering in any language.
 */
export const RuleError = Type.Object({
  file: Type.String(),
  rule: Type.Optional(Type.String()),
  field: Type.String(),
  message: Type.String({ description: 'always English' }),
  message_ref: Type.Optional(
    Type.Object(MessageRef.properties, {
      description:
        'the same problem as a catalogue message (`ruleError.…`); params hold the offending text, allowed values and hints, nested messages as arrays of {key, params}',
    }),
  ),
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
  version: Nullable(
    Type.String({
      description: 'the stored version in force (GET /v1/rules/versions); null while the defaults run',
    }),
  ),
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

// --- Rules as data: versions of the rule set, and edits through the API ----------------------------

export const RuleVersionSource = Type.Union([Type.Literal('file'), Type.Literal('api')]);
export type RuleVersionSource = Static<typeof RuleVersionSource>;

export const RuleVersionSummary = Type.Object({
  version: Type.String({ description: 'opaque' }),
  hash: Type.String({ description: 'sha256 (hex) over the files, as `content_hash` of GET /v1/rules' }),
  source: RuleVersionSource,
  author: Type.String({ description: "the token's name; `system` for the files" }),
  at: Type.String({ format: 'date-time' }),
  note: Nullable(Type.String()),
});
export type RuleVersionSummary = Static<typeof RuleVersionSummary>;

export const RuleVersionList = Type.Object({ versions: Type.Array(RuleVersionSummary) });
export type RuleVersionList = Static<typeof RuleVersionList>;

/** A file of the set by its path in alert-rules/ (`rules.yaml`, `custom/x.yaml`): its text. */
export const RuleFileTexts = Type.Record(Type.String(), Type.String());

export const RuleVersionDetail = Type.Composite([RuleVersionSummary, Type.Object({ files: RuleFileTexts })]);
export type RuleVersionDetail = Static<typeof RuleVersionDetail>;

/** Opaque, but only ever made of these characters; anything else cannot name a version. */
const VersionId = Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' });

export const RuleVersionParams = Type.Object({ version: VersionId });
export type RuleVersionParams = Static<typeof RuleVersionParams>;

export const RuleVersionPairParams = Type.Object({ a: VersionId, b: VersionId });
export type RuleVersionPairParams = Static<typeof RuleVersionPairParams>;

export const CUSTOM_RULES_NAME = '^[a-z0-9][a-z0-9_-]{0,63}$';

export const CustomRulesParams = Type.Object({
  name: Type.String({ pattern: CUSTOM_RULES_NAME, description: 'the file is custom/{name}.yaml' }),
});
export type CustomRulesParams = Static<typeof CustomRulesParams>;

// No U+0000: the store's text cannot hold it.
const Note = Type.String({ maxLength: 1000, pattern: '^[^\\u0000]*$' });

/** A whole rule file as JSON; the same text may be sent as a `text/yaml` body instead. */
export const RuleFileBody = Type.Object(
  { yaml: Type.String({ description: 'the whole file' }), note: Type.Optional(Note) },
  { additionalProperties: false },
);
export type RuleFileBody = Static<typeof RuleFileBody>;

export const RuleCheckBody = Type.Object(
  {
    yaml: Type.String(),
    note: Type.Optional(Note),
    file: Type.Optional(
      Type.String({
        maxLength: 80,
        description:
          '`rules.yaml`, `calendar.yaml`, `routes.yaml` or `custom/<name>.yaml`; default a new custom rules file',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RuleCheckBody = Static<typeof RuleCheckBody>;

export const RuleCheckOk = Type.Object({ ok: Type.Literal(true) });
export type RuleCheckOk = Static<typeof RuleCheckOk>;

export const RollbackBody = Type.Object(
  { version: VersionId, note: Type.Optional(Note) },
  { additionalProperties: false },
);
export type RollbackBody = Static<typeof RollbackBody>;

export const RuleVersionRef = Type.Object({ version: Type.String() });
export type RuleVersionRef = Static<typeof RuleVersionRef>;

export const RuleFileStatus = Type.Union([
  Type.Literal('added'),
  Type.Literal('removed'),
  Type.Literal('changed'),
  Type.Literal('same'),
]);

export const RuleVersionDiff = Type.Object({
  files: Type.Array(
    Type.Object({
      file: Type.String(),
      status: RuleFileStatus,
      before: Nullable(Type.String({ description: 'the text in version a; null when added' })),
      after: Nullable(Type.String({ description: 'the text in version b; null when removed' })),
    }),
  ),
});
export type RuleVersionDiff = Static<typeof RuleVersionDiff>;

/** The `details` of a 400 `invalid_rules`: each problem, at its line and column of the submitted text. */
export const RuleCheckDetails = Type.Array(RuleError);
