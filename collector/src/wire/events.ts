// POST /v1/events: the reply once the accepted events are committed. The body itself (one event,
// a JSON array or NDJSON) is read as text and checked item by item, each refusal listed here.
import { type Static, Type } from '@sinclair/typebox';

export const RejectedItem = Type.Object({
  index: Type.Integer({ minimum: 0, description: 'position of the item in the request' }),
  error: Type.String(),
  message: Type.String(),
});
export type RejectedItem = Static<typeof RejectedItem>;

export const IngestReply = Type.Object({
  accepted: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
  rejected: Type.Array(RejectedItem),
});
export type IngestReply = Static<typeof IngestReply>;
