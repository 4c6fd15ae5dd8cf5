// GET /v1/audit: operator actions and rule-set changes, newest first.
import { type Static, Type } from '@sinclair/typebox';

export const AuditQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before_id: Type.Optional(Type.Integer({ minimum: 1, description: 'the page after this entry id' })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  /** The note or comment the actor gave, when there was one. */
  note: Type.Optional(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditList = Type.Object({ entries: Type.Array(AuditEntry) });
export type AuditList = Static<typeof AuditList>;
