// Starts the real `prometheus` binary (Debian package) on a loopback port with a throwaway
// config and TSDB, and talks to it through its HTTP API.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './real-tool.ts';

export interface RunningPrometheus {
  url: string;
  query(promql: string): Promise<PromVectorSample[]>;
  /** Polls `promql` until `accept` holds for its result or `timeoutMs` passes (then throws with the last result). */
  waitFor(
    promql: string,
    accept: (r: PromVectorSample[]) => boolean,
    timeoutMs: number,
  ): Promise<PromVectorSample[]>;
  stop(): Promise<void>;
  log(): string;
}

export interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(configYaml: string): Promise<RunningPrometheus> {
  const binary = requireTool('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'op-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), configYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const query = async (promql: string): Promise<PromVectorSample[]> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      data?: { result: PromVectorSample[] };
      error?: string;
    };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result;
  };

  const running: RunningPrometheus = {
    url,
    query,
    async waitFor(promql, accept, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last: PromVectorSample[] | string = 'no answer yet';
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
        try {
          const result = await query(promql);
          if (accept(result)) return result;
          last = result;
        } catch (error) {
          last = String(error);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(
        `timed out waiting for ${promql}; last: ${JSON.stringify(last)}\n${output.slice(-2000)}`,
      );
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
    log: () => output,
  };
  return running;
}
