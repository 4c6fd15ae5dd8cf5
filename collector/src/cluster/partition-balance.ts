// How many partitions a processor should hold once others have joined. RabbitMQ's single active
// consumer never moves a partition while its owner lives, so a processor started later would stay
// idle: each processor compares what it owns with its fair share and hands the surplus back itself.

/** The most partitions one of `processors` live processors should own: ⌈partitions / processors⌉. */
export function fairShare(partitions: number, processors: number): number {
  return Math.ceil(partitions / Math.max(1, processors));
}

/**
 * The partitions to hand back so that at most a fair share stays: the highest-numbered first, so
 * partition 0 (and with it the planning of the notifications) moves only when nothing else can.
 */
export function partitionsToRelease(
  owned: readonly number[],
  partitions: number,
  processors: number,
): number[] {
  const surplus = owned.length - fairShare(partitions, processors);
  if (surplus <= 0) return [];
  return [...owned].sort((a, b) => b - a).slice(0, surplus);
}
