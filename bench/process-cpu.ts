// CPU time (user + system) of a local process, from /proc: per-event CPU of the collector and of
// its PostgreSQL backends holds up on a busy machine, where throughput and latency do not.
import { readFileSync } from 'node:fs';
import pg from 'pg';

const CLOCK_TICKS_PER_SECOND = 100; // CLK_TCK on Linux

/** The fields of a /proc/<pid>/stat after the command name (in parentheses, which may hold spaces). */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** Two clock-tick fields of a stat, added, in ms. */
const ticksMs = (fields: string[], a: number, b: number) =>
  ((Number(fields[a]) + Number(fields[b])) * 1000) / CLOCK_TICKS_PER_SECOND;

/** utime + stime of a process in ms; undefined when /proc does not show it (exited, or not local). */
export function processCpuMs(pid: number): number | undefined {
  try {
    return ticksMs(statFields(`/proc/${pid}/stat`), 11, 12);
  } catch {
    return undefined;
  }
}

/** CPU of this process's exited and reaped children (cutime + cstime) in ms. */
export function childrenCpuMs(): number {
  return ticksMs(statFields('/proc/self/stat'), 13, 14);
}

// CPU seconds of a process; 0 for a backend that has exited.
const cpuSeconds = (pid: number) => (processCpuMs(pid) ?? 0) / 1000;

/** CPU of the collector and of the PostgreSQL backends serving it (found by application_name). */
export async function cpuSnapshot(
  url: string,
  collectorPid: number,
  appName: string,
): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [appName],
  );
  await client.end();
  const snapshot = new Map<number, number>([[collectorPid, cpuSeconds(collectorPid)]]);
  for (const { pid } of rows) snapshot.set(-pid, cpuSeconds(pid));
  return snapshot;
}

/** CPU seconds the collector and its backends used between two snapshots. */
export function cpuUsed(before: Map<number, number>, after: Map<number, number>) {
  let collector = 0;
  let postgres = 0;
  for (const [key, seconds] of after) {
    const used = seconds - (before.get(key) ?? 0);
    if (key < 0) postgres += used;
    else collector += used;
  }
  return { collector, postgres };
}
