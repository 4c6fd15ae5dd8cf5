// HAProxy in front of a test's ingress nodes, as in the cluster deployment: a generated config in
// a temporary directory, health checks on /readyz, and its stats page to see which nodes it sends
// to. Runs in the foreground (-db) as a child process of the test.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HAPROXY = '/usr/sbin/haproxy';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class TestHaproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly statsUrl: string,
    readonly exited: Promise<number | null>,
    readonly output: () => string,
  ) {}

  /** Balances `servers` (name → base URL), checking `/readyz` every 500 ms. */
  static async start(servers: Record<string, string>): Promise<TestHaproxy> {
    const [port, statsPort] = [await freePort(), await freePort()];
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orderpulse-haproxy-'));
    const lines = Object.entries(servers).map(
      ([name, url]) => `  server ${name} ${new URL(url).host} check inter 500ms fall 2 rise 2`,
    );
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend collectors',
      `  bind 127.0.0.1:${port}`,
      '  default_backend ingress',
      'backend ingress',
      '  balance roundrobin',
      '  option httpchk',
      '  http-check send meth GET uri /readyz',
      '  http-check expect status 200',
      ...lines,
      'frontend stats',
      `  bind 127.0.0.1:${statsPort}`,
      '  stats enable',
      '  stats uri /stats',
      '',
    ].join('\n');
    const file = path.join(dir, 'haproxy.cfg');
    await fs.writeFile(file, config);
    const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => resolve(code));
      child.on('error', (error) => {
        output += String(error);
        resolve(null);
      });
    });
    return new TestHaproxy(
      child,
      dir,
      `http://127.0.0.1:${port}`,
      `http://127.0.0.1:${statsPort}/stats;csv`,
      exited,
      () => output,
    );
  }

  /** Each server's health as HAProxy sees it now (`UP`, `DOWN`, …); empty while it is not answering. */
  async serverStatus(): Promise<Record<string, string>> {
    try {
      const csv = await (await fetch(this.statsUrl)).text();
      const [header = '', ...rows] = csv.trim().split('\n');
      const columns = header.replace(/^# /, '').split(',');
      const status = columns.indexOf('status');
      const result: Record<string, string> = {};
      for (const row of rows) {
        const cells = row.split(',');
        if (cells[0] === 'ingress' && cells[1] !== 'BACKEND') result[cells[1]!] = cells[status]!;
      }
      return result;
    } catch {
      return {};
    }
  }

  async stop(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
