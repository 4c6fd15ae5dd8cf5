// Heap bytes per tracked deadline: `node --expose-gc --import tsx bench/deadline-memory.ts [n]`
// Counts everything the queue holds, its Map and its key strings included (flat strings shaped like
// order ids, as JSON.parse makes them).
import { DeadlineQueue } from '../collector/src/domain/deadlines.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 1_000_000);
const base = Date.UTC(2026, 10, 11);

gc();
const before = process.memoryUsage().heapUsed;
const queue = new DeadlineQueue(1024);
for (let i = 0; i < n; i++)
  queue.schedule(
    JSON.parse(`"O2026111100${String(i).padStart(8, '0')}"`),
    base + ((i * 7919) % 7_200_000),
    2,
  );
gc();
const after = process.memoryUsage().heapUsed;
const arrayBuffers = process.memoryUsage().arrayBuffers;
console.log(
  JSON.stringify({
    entries: queue.size,
    heapBytesPerEntry: Math.round((after - before) / n),
    typedArrayBytesPerEntry: Math.round(arrayBuffers / n),
    totalBytesPerEntry: Math.round((after - before + arrayBuffers) / n),
  }),
);
