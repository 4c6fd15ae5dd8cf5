// Colours shared by charts and figures; chosen to stay distinct on a dark background.
export const STATUS_COLOURS: Record<string, string> = {
  created: '#58a6ff',
  paid: '#3fb950',
  picking: '#d29922',
  packed: '#a371f7',
  shipped: '#39c5cf',
  delivered: '#8b949e',
  cancelled: '#f85149',
  refunded: '#db61a2',
  closed: '#6e7681',
};

const SERIES = ['#58a6ff', '#3fb950', '#d29922', '#a371f7', '#39c5cf', '#db61a2', '#f0883e', '#8b949e'];

export function seriesColour(i: number): string {
  return SERIES[i % SERIES.length]!;
}

export const PROVIDER_COLOURS: Record<string, string> = {
  wechatpay: '#3fb950',
  alipay: '#58a6ff',
  other: '#8b949e',
};
