// Runs real tools from Debian's packages (Prometheus, docker-compose, ...). A missing binary is a failure with
// the install command in the message, never a skipped test: CI must prove the files with the tools.
import { spawnSync } from 'node:child_process';

const PACKAGE_OF: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'docker-compose': 'docker-compose',
};

export interface ToolRun {
  status: number | null;
  output: string;
}

export function requireTool(tool: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      `${tool} is not installed: run \`apt-get install -y --no-install-recommends ${PACKAGE_OF[tool] ?? tool}\``,
    );
  }
  return path;
}

/** `input` is written to the tool's stdin (e.g. a scrape for `promtool check metrics`). */
export function runTool(tool: string, args: readonly string[], cwd?: string, input?: string): ToolRun {
  const result = spawnSync(requireTool(tool), args, { encoding: 'utf8', cwd, input, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
