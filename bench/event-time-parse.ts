// parseRfc3339Instant (read character by character) against the same grammar as a regular
// expression (collector/test/support/rfc3339-reference.ts, the parser's former form) on the times
// events carry: time per call, alternated over rounds, and bytes allocated per call (V8's sampling
// heap profiler, counting objects the collector has already freed).
//   npx tsx bench/event-time-parse.ts     (BENCH_ROUNDS, default 6)
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { parseRfc3339Instant } from '../collector/src/ingest/event-time.ts';
import { referenceRfc3339Instant } from '../collector/test/support/rfc3339-reference.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CORPUS = 100_000;
const PASSES = 10;
const start = Date.parse('2026-12-07T00:00:00Z');
// What senders write: half as JavaScript's toISOString (milliseconds, Z), half with China's offset.
const times = Array.from({ length: CORPUS }, (_, n) => {
  const at = new Date(start + n * 997);
  if (n % 2 === 0) return at.toISOString();
  const local = new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
});
const ways = {
  'character by character (product)': parseRfc3339Instant,
  'regular expression': referenceRfc3339Instant,
};

for (const text of times) {
  if (parseRfc3339Instant(text) !== referenceRfc3339Instant(text))
    throw new Error(`the two disagree on ${text}`);
}

let sink = 0;
function run(parse: (text: string) => number | undefined): number {
  const started = performance.now();
  for (let pass = 0; pass < PASSES; pass++) for (const text of times) sink += parse(text) ?? 0;
  return ((performance.now() - started) * 1e6) / (PASSES * CORPUS);
}

const nsPerCall = new Map<string, number[]>();
const names = Object.keys(ways) as (keyof typeof ways)[];
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
    nsPerCall.set(name, [...(nsPerCall.get(name) ?? []), run(ways[name])]);
  }
}

const session = new Session();
session.connect();
const bytesPerCall = new Map<string, number>();
for (const name of names) {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  run(ways[name]);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  type Node = { selfSize: number; children: Node[] };
  const total = (node: Node): number => node.selfSize + node.children.reduce((sum, c) => sum + total(c), 0);
  bytesPerCall.set(name, total(profile.head as Node) / (PASSES * CORPUS));
}
session.disconnect();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `\nparseRfc3339Instant, ${CORPUS.toLocaleString('en')} event times × ${PASSES} passes, ${ROUNDS} rounds alternated, load average ${loadavg()[0]!.toFixed(1)} (${sink > 0 ? 'checked' : ''})`,
);
console.log('| way | ns a call, each round | median | bytes allocated a call |\n|---|---|---|---|');
for (const name of names)
  console.log(
    `| ${name} | ${nsPerCall
      .get(name)!
      .map((v) => v.toFixed(0))
      .join(' / ')} | ${median(nsPerCall.get(name)!).toFixed(0)} | ${bytesPerCall.get(name)!.toFixed(0)} |`,
  );
