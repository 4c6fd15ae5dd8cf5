// V8's heap and thread-pool flags are fixed when node starts, but the right ones depend on the store,
// which is only known from the environment. `npm start` and `npm run demo` start node with the
// embedded store's flags (package.json): a 4 MB semi-space and one V8 worker thread keep the idle
// collector with its in-process PostgreSQL about 80 MB smaller (BENCHMARKS.md §18). On PostgreSQL
// the collector is sized for 10k events/s, where a 32 MB semi-space halves the time in young-generation
// garbage collection (§3), so such a launch that finds DATABASE_URL runs the collector again as a
// child under those flags. Any other launch (a flag given by hand, the Docker image, tests) is left
// as it was started.
import { spawn } from 'node:child_process';

export const EMBEDDED_NODE_FLAGS = ['--max-semi-space-size=4', '--v8-pool-size=1'];
export const POSTGRES_NODE_FLAGS = ['--max-semi-space-size=32'];
const NPM_LAUNCHES = new Set(['start', 'demo']);
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The node flags to run under instead of the current ones, or undefined to run as started. */
export function relaunchFlags(env, execArgv) {
  if (!NPM_LAUNCHES.has(env.npm_lifecycle_event ?? '')) return undefined;
  if ((env.DATABASE_URL ?? '').trim() === '') return undefined;
  const started = execArgv.join(' ');
  return started === EMBEDDED_NODE_FLAGS.join(' ') ? POSTGRES_NODE_FLAGS : undefined;
}

/**
 * Runs this command again under `flags` and mirrors the child: signals go to it, its exit becomes
 * ours. Resolves never; the process ends with the child.
 */
export function relaunch(flags) {
  // The child must not relaunch in turn: it no longer looks like an npm launch.
  const env = { ...process.env };
  delete env.npm_lifecycle_event;
  // The IPC channel is how the child learns that the launcher is gone, even killed outright
  // (stopWithLauncher); no signal has to reach it.
  const child = spawn(process.execPath, [...flags, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env,
  });
  for (const signal of FORWARDED_SIGNALS) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const forwarded of FORWARDED_SIGNALS) process.removeAllListeners(forwarded);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
  return new Promise(() => {});
}

/**
 * In a collector that a launcher runs (it holds an IPC channel to it): when the channel closes, the
 * launcher is gone, so this collector drains and stops as on SIGTERM instead of running on orphaned.
 */
export function stopWithLauncher() {
  if (!process.channel) return;
  // The channel must not keep the collector alive by itself.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
