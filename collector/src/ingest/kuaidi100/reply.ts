// The body Kuaidi100 expects back (PROVIDERS.md 4.4), within its 20 s timeout. Anything else, or
// the failure body, makes it push again after about 30 minutes, up to three times.

export const KUAIDI100_PUSH_ACCEPTED = { result: true, returnCode: '200', message: '成功' } as const;
export const KUAIDI100_PUSH_FAILED = { result: false, returnCode: '500', message: '失败' } as const;
