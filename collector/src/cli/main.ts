// The `orderpulse` command: subcommands with --help each; non-zero exit with the reason on stderr.

import { ConfigError } from '../config/load-config.ts';
import { processEnvironment } from '../config/process-environment.ts';
import { settingOf } from '../config/read-environment.ts';
import { serve } from '../main.ts';
import { DEMO_USAGE, demoCommand } from './demo.ts';
import { IMPORT_BILL_USAGE, importBillCommand } from './import-bill.ts';
import { ROUTES_CHECK_USAGE, runRoutesCheck } from './routes-check.ts';
import { runRulesCheck } from './rules-check.ts';
import { SIMULATE_USAGE, simulateCommand } from './simulate.ts';

interface Command {
  usage: string;
  run(args: string[]): Promise<number>;
}

/** `orderpulse <name> check [DIR]`: DIR defaults to the rules folder of the environment. */
async function checkOnly(
  name: string,
  [sub, dir]: readonly string[],
  check: (dir: string) => Promise<number>,
): Promise<number> {
  if (sub !== 'check') {
    process.stderr.write(
      `orderpulse ${name}: the only subcommand is "check" (orderpulse ${name} check [DIR])\n`,
    );
    return 2;
  }
  return check(dir ?? settingOf(processEnvironment(), 'ORDERPULSE_RULES_DIR'));
}

const commands: Record<string, Command> = {
  serve: {
    usage: `orderpulse serve

Runs the collector and the dashboard on PORT (default 8080). With DATABASE_URL set it uses
PostgreSQL/TimescaleDB; without, an embedded PostgreSQL under ORDERPULSE_DATA_DIR (default ./data).`,
    async run() {
      await serve();
      return 0;
    },
  },
  simulate: {
    usage: SIMULATE_USAGE,
    run: (args) =>
      simulateCommand(args, { env: processEnvironment(), stdout: process.stdout, stderr: process.stderr }),
  },
  demo: {
    usage: DEMO_USAGE,
    run: (args) =>
      demoCommand(args, { env: processEnvironment(), stdout: process.stdout, stderr: process.stderr }),
  },
  'import-bill': {
    usage: IMPORT_BILL_USAGE,
    run: (args) =>
      importBillCommand(args, { env: processEnvironment(), stdout: process.stdout, stderr: process.stderr }),
  },
  rules: {
    usage: `orderpulse rules check [DIR]

Validates the rule set in DIR (default ORDERPULSE_RULES_DIR or ./alert-rules): built-in rule parameters,
custom rules, routes and calendars. Exits 0 when valid, 1 with one line per error on stderr.`,
    run: (args) => checkOnly('rules', args, (dir) => runRulesCheck(dir, process)),
  },
  routes: {
    usage: ROUTES_CHECK_USAGE,
    run: (args) => checkOnly('routes', args, (dir) => runRoutesCheck(dir, processEnvironment(), process)),
  },
};

const overview = () =>
  `usage: orderpulse <command> [options]\n\ncommands:\n${Object.entries(commands)
    .map(([name, c]) => `  ${name.padEnd(12)} ${c.usage.split('\n')[2]?.split('. ')[0] ?? ''}`)
    .join('\n')}\n\n'orderpulse <command> --help' tells more.`;

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${overview()}\n`);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'serve' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const command = commands[name];
  if (!command) {
    process.stderr.write(`orderpulse: unknown command "${name}"\n\n${overview()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`orderpulse ${name}: ${message}\n`);
    return 1;
  }
}
