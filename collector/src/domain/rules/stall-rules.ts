// The rules whose open alerts are "stalls" (卡单): one list for the wall, the metrics and the API.

export const STALL_RULES = ['order_stalled', 'payment_unapplied'] as const;

const STALLS: ReadonlySet<string> = new Set(STALL_RULES);

export const isStallRule = (rule: string): boolean => STALLS.has(rule);
