// CPU time (user + system) of a local process, from /proc: per-event CPU of the collector and of
// its PostgreSQL backends holds up on a busy machine, where throughput and latency do not.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // CLK_TCK on Linux

/** utime + stime of a process in ms; undefined when /proc does not show it (exited, or not local). */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
