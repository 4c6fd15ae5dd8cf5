// Runs the real `orderpulse serve` in a child process, as a user would, for crash and drain tests.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOKENS } from './test-tokens.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/orderpulse.js');

/**
 * How long a spawned node process may take to listen, and what a test that spawns one is given: on a
 * shared two-core machine a start that takes a few seconds alone can take a minute. A deadline, never
 * a speed.
 */
export const LISTEN_DEADLINE_MS = 120_000;
export const SPAWNED_TEST_TIMEOUT_MS = 180_000;

export interface RunningCollector {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

export async function spawnCollector(
  env: NodeJS.ProcessEnv,
  options: { nodeArgs?: string[]; nodeFlags?: string[] } = {},
): Promise<RunningCollector> {
  // The Dockerfile's flag (BENCHMARKS.md §3), unless `nodeFlags` replaces it; `nodeArgs` come after.
  const nodeArgs = [...(options.nodeFlags ?? ['--max-semi-space-size=32']), ...(options.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ORDERPULSE_INGEST_TOKENS: `pos=${TOKENS.ingest}`,
      ORDERPULSE_VIEWER_TOKENS: TOKENS.viewer,
      ORDERPULSE_OPERATOR_TOKENS: TOKENS.operator,
      ORDERPULSE_DASHBOARD_DIR: '/nonexistent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearInterval(timer);
      child.kill('SIGKILL');
      reject(new Error(`collector did not listen within ${LISTEN_DEADLINE_MS} ms:\n${output}`));
    }, LISTEN_DEADLINE_MS);
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(match[1]!);
      }
    }, 50);
    exited.then((code) => {
      clearInterval(timer);
      clearTimeout(deadline);
      reject(new Error(`collector exited (${code}) before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}
