// The providers' callbacks answer in the providers' own shapes, which their retry logic reads.
import { type Static, Type } from '@sinclair/typebox';

/** A refused WeChat Pay notification: WeChat Pay reads `code`, operators read `error`. */
export const WechatPayNotifyRefusal = Type.Object({
  error: Type.String(),
  message: Type.String({ maxLength: 64 }),
  code: Type.Literal('FAIL'),
});
export type WechatPayNotifyRefusal = Static<typeof WechatPayNotifyRefusal>;

/** Alipay stops retrying on exactly these 7 bytes, sent as text/plain. */
export const AlipayNotifyAccepted = Type.Literal('success');

/** The body Kuaidi100 expects back for a push it should not send again. */
export const Kuaidi100PushAccepted = Type.Object({
  result: Type.Literal(true),
  returnCode: Type.Literal('200'),
  message: Type.String(),
});
export type Kuaidi100PushAccepted = Static<typeof Kuaidi100PushAccepted>;

/** A refused push: Kuaidi100 reads returnCode 500 as "push again"; `error` is OrderPulse's machine code. */
export const Kuaidi100PushRefusal = Type.Object({
  result: Type.Literal(false),
  returnCode: Type.Literal('500'),
  message: Type.String(),
  error: Type.String(),
});
export type Kuaidi100PushRefusal = Static<typeof Kuaidi100PushRefusal>;
