// Time-axis tick labels in the business time zone. chart.js's date adapter formats in the
// browser's zone, so an axis would disagree with every time printed beside it; these callbacks
// format the tick's instant in the zone the collector reports instead. Pure.

/** `HH:mm` in `timeZone`: for axes that span less than a day (the wall's last hour). */
export function clockLabel(timeZone: string | undefined): (value: number | string) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  });
  return (value) => format.format(Number(value));
}

/** `MM-dd HH:mm` in `timeZone`: for axes that may cross midnight (an order's life). */
export function dayClockLabel(timeZone: string | undefined): (value: number | string) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  });
  return (value) => {
    const parts = Object.fromEntries(format.formatToParts(Number(value)).map((p) => [p.type, p.value]));
    return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  };
}

const DAY_MS = 86_400_000;

/** The label for an axis over `[from, to]`: the clock alone while the span stays within a day. */
export function spanTickLabel(
  timeZone: string | undefined,
  from: number,
  to: number,
): (value: number | string) => string {
  return to - from < DAY_MS ? clockLabel(timeZone) : dayClockLabel(timeZone);
}
