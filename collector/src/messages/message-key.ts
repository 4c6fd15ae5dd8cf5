import type { ZH_CN } from './zh-CN.ts';

/** Every message the catalogue holds. */
export type MessageKey = keyof typeof ZH_CN;
