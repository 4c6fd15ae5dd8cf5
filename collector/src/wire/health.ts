// /healthz and /readyz. Callers without a viewer token see only the status word.
import { type Static, Type } from '@sinclair/typebox';

export const Health = Type.Object({ status: Type.Literal('ok') });
export type Health = Static<typeof Health>;

export const ReadinessCheckResult = Type.Object({
  ok: Type.Boolean(),
  detail: Type.Optional(Type.Unknown()),
});
export type ReadinessCheckResult = Static<typeof ReadinessCheckResult>;

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  store: Type.Optional(
    Type.String({ description: '`embedded`, `postgres` or `timescaledb`; viewers and operators only' }),
  ),
  checks: Type.Optional(Type.Record(Type.String(), ReadinessCheckResult)),
});
export type Readiness = Static<typeof Readiness>;
