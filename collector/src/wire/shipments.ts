// GET /v1/shipments: shipments with their risk and its reasons; GET /v1/shipments/{tracking_no}: one
// of them, with what was done when its carrier subscription ended.
import { type Static, Type } from '@sinclair/typebox';

export const RiskLevel = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
export type RiskLevel = Static<typeof RiskLevel>;

export const ShipmentsQuery = Type.Object({
  /** The lowest level listed (`high` lists high only, `medium` medium and high). */
  risk: Type.Optional(RiskLevel),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type ShipmentsQuery = Static<typeof ShipmentsQuery>;

export const ShipmentRiskReason = Type.Object({
  reason: Type.String(),
  since: Type.String(),
  detail: Type.String(),
});
export type ShipmentRiskReason = Static<typeof ShipmentRiskReason>;

export const ShipmentRiskItem = Type.Object({
  order_id: Type.String(),
  store_id: Type.String(),
  carrier: Type.String(),
  tracking_no: Type.String(),
  state: Type.String(),
  last_update_at: Type.String(),
  destination_region: Type.Union([Type.String(), Type.Null()]),
  risk: RiskLevel,
  risk_score: Type.Number(),
  reasons: Type.Array(ShipmentRiskReason),
});
export type ShipmentRiskItem = Static<typeof ShipmentRiskItem>;

export const ShipmentsList = Type.Object({ shipments: Type.Array(ShipmentRiskItem) });
export type ShipmentsList = Static<typeof ShipmentsList>;

const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** What was decided when Kuaidi100 ended the waybill's subscription (push `abort`/`shutdown`). */
export const ShipmentSubscription = Type.Object({
  /** Kuaidi100's push status: `abort` or `shutdown`. */
  status: Type.String(),
  /** Kuaidi100's message, verbatim (e.g. "3天查询无记录"). */
  message: Type.String(),
  reason: Type.Union(
    ['finished', 'ended_unfinished', 'no_record', 'unchanged', 'wrong_company', 'aborted'].map((r) =>
      Type.Literal(r),
    ),
  ),
  action: Type.Union(['none', 'resubscribe', 'poll'].map((a) => Type.Literal(a))),
  detail: Type.String(),
  /** The company code resubscribed with (the corrected one after a wrong code). */
  company: nullable(Type.String()),
  resubscribes: Type.Integer(),
  /** Of the latest resubscription: `due`, `subscribed`, `failed`. */
  outcome: nullable(Type.String()),
  next_attempt_at: nullable(Type.String()),
  last_error: nullable(Type.String()),
  decided_at: Type.String(),
  updated_at: Type.String(),
});
export type ShipmentSubscription = Static<typeof ShipmentSubscription>;

export const ShipmentParams = Type.Object({ tracking_no: Type.String({ minLength: 1, maxLength: 64 }) });
export type ShipmentParams = Static<typeof ShipmentParams>;

export const ShipmentQuery = Type.Object({
  /** Needed only when two carriers use the same tracking number. */
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
});
export type ShipmentQuery = Static<typeof ShipmentQuery>;

export const ShipmentDetail = Type.Composite([
  ShipmentRiskItem,
  Type.Object({ subscription: Type.Union([ShipmentSubscription, Type.Null()]) }),
]);
export type ShipmentDetail = Static<typeof ShipmentDetail>;

export const ShipmentReply = Type.Object({ shipment: ShipmentDetail });
export type ShipmentReply = Static<typeof ShipmentReply>;
