// chart.js registration, once, with the date-fns time adapter; the only place chart.js is configured.
import { Chart, registerables } from 'chart.js';
import 'chartjs-adapter-date-fns';

Chart.register(...registerables);

// Dark wall display: light text and grid lines by default for every chart.
Chart.defaults.color = '#c9d1d9';
Chart.defaults.borderColor = 'rgba(201, 209, 217, 0.15)';
Chart.defaults.font.family =
  'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';

export type { ChartConfiguration, ChartData, ChartType } from 'chart.js';
export { Chart };
