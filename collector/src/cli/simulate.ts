// `orderpulse simulate`: plays the promotion-day scenario against a collector through its public
// endpoints (events, signed provider callbacks, Kuaidi100 pushes, the WeChat bill), with a progress
// line on stderr and a summary on stdout.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseTokens } from '../config/load-config.ts';
import { settingOf } from '../config/read-environment.ts';
import { parseDuration } from '../rules-config/duration.ts';
import { Scenario } from '../simulator/scenario.ts';
import { defaultScenarioConfig } from '../simulator/scenario-config.ts';
import { Progress, startProgressLine } from '../simulator/sender/progress.ts';
import {
  collectorEnvFor,
  ensureProviderKeys,
  hasProviderKeys,
  loadProviderKeys,
  type ProviderKeys,
} from '../simulator/sender/provider-keys.ts';
import { type RunSummary, runSimulation } from '../simulator/sender/run-simulation.ts';

export const SIMULATE_USAGE = `orderpulse simulate [options]

Sends realistic promotion-day traffic with the brief's incidents to a running collector.

A chain of stores (default 327, ~400 orders each per day, diurnal curve) first sends the last hour
back-dated — a 47-minute WeChat Pay callback outage, 3 % of the WeChat bill's payments with no order
(a few stores' tills), a carrier silent for 48 h, parcels returned twice, a store whose picking
stalls, paid orders that never move, payments never applied — then the WeChat trade bill, then live
traffic (with a ×20 promotion spike) as the clock reaches it. Event time decides, so the back-dated
incidents raise their alerts at once. The same --seed sends the same traffic.

options:
  --target URL          collector base URL (default http://localhost:8080)
  --token SECRET        ingest token (default: ORDERPULSE_INGEST_TOKENS, else the data dir's tokens.json)
  --operator-token S    token for the bill upload (default: operator token as above, else the ingest token)
  --keys DIR            provider keys to sign callbacks with (default: <data dir>/simulator-keys if there);
                        created when DIR has none, then the collector settings for them are printed.
                        Without keys, payments and carrier updates go through /v1/events instead.
  --rate N              at most N events per second (default: as fast as the collector accepts)
  --stores N            stores in the chain (default 327)
  --orders-per-store N  orders per store per day (default 400)
  --seed N              seed of the traffic (default 20261111)
  --history D           back-dated traffic sent first (default 1h)
  --duration D          live traffic after the history, e.g. 10m (default: until interrupted)
  --once                send the last 24 h (history only) and the bill, then exit
  --spike-after D       start the ×20 promotion spike this long after the start (default 2m)
  --no-spike            no promotion spike
  --as-if-hour H        play the diurnal curve as if it were local hour H (China time) at the start;
                        event times stay real (default: the real local hour)
  --concurrency N       requests in flight (default 16)

Durations: 90s, 10m, 1h30m. Exit status 0 when everything sent was accepted, 1 on errors.`;

export interface SimulateIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
  signal?: AbortSignal;
}

export interface SimulateArgs {
  target: string;
  token?: string;
  operatorToken?: string;
  keysDir?: string;
  rate: number;
  stores: number;
  ordersPerStore: number;
  seed: number;
  historyMs: number;
  durationMs: number;
  once: boolean;
  spikeAfterMs?: number;
  asIfHour?: number;
  concurrency: number;
}

export class UsageError extends Error {}

function durationArg(name: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`${name} needs a duration, e.g. 10m`);
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`${name}: ${parsed.message}`);
  return parsed.ms;
}

function intArg(name: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  const args: SimulateArgs = {
    target: 'http://localhost:8080',
    rate: Number.POSITIVE_INFINITY,
    stores: 327,
    ordersPerStore: 400,
    seed: 20261111,
    historyMs: 3_600_000,
    durationMs: Number.POSITIVE_INFINITY,
    once: false,
    spikeAfterMs: 120_000,
    concurrency: 16,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--target': {
        const url = value();
        if (!url || !/^https?:\/\//.test(url)) throw new UsageError('--target must be an http(s) URL');
        args.target = url;
        break;
      }
      case '--token':
        args.token = value();
        if (!args.token) throw new UsageError('--token needs a value');
        break;
      case '--operator-token':
        args.operatorToken = value();
        if (!args.operatorToken) throw new UsageError('--operator-token needs a value');
        break;
      case '--keys':
        args.keysDir = value();
        if (!args.keysDir) throw new UsageError('--keys needs a directory');
        break;
      case '--rate':
        args.rate = intArg('--rate', value(), 1, 10_000_000);
        break;
      case '--stores':
        args.stores = intArg('--stores', value(), 1, 100_000);
        break;
      case '--orders-per-store':
        args.ordersPerStore = intArg('--orders-per-store', value(), 1, 1_000_000);
        break;
      case '--seed':
        args.seed = intArg('--seed', value(), 0, 2 ** 32 - 1);
        break;
      case '--history':
        args.historyMs = durationArg('--history', value());
        break;
      case '--duration':
        args.durationMs = durationArg('--duration', value());
        break;
      case '--once':
        args.once = true;
        break;
      case '--spike-after':
        args.spikeAfterMs = durationArg('--spike-after', value());
        break;
      case '--no-spike':
        delete args.spikeAfterMs;
        break;
      case '--as-if-hour':
        args.asIfHour = intArg('--as-if-hour', value(), 0, 23);
        break;
      case '--concurrency':
        args.concurrency = intArg('--concurrency', value(), 1, 1024);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (args.once) {
    args.historyMs = 24 * 3_600_000;
    args.durationMs = 0;
  }
  return args;
}

async function tokenFromDataDir(
  env: NodeJS.ProcessEnv,
  role: 'ingest' | 'operator',
): Promise<string | undefined> {
  const file = path.resolve(settingOf(env, 'ORDERPULSE_DATA_DIR'), 'tokens.json');
  try {
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, { secret: string }[]>;
    return stored[role]?.[0]?.secret;
  } catch {
    return undefined;
  }
}

export function dataDirKeys(env: NodeJS.ProcessEnv): string {
  return path.resolve(settingOf(env, 'ORDERPULSE_DATA_DIR'), 'simulator-keys');
}

export interface SimulationSetup {
  scenario: Scenario;
  keys: ProviderKeys | undefined;
  keysCreatedIn?: string;
}

/** The scenario and keys the arguments describe (shared with `orderpulse demo`). */
export async function prepareSimulation(
  args: SimulateArgs,
  env: NodeJS.ProcessEnv,
  startMs: number,
): Promise<SimulationSetup> {
  const scenario = new Scenario(
    defaultScenarioConfig({
      seed: args.seed,
      stores: args.stores,
      ordersPerStorePerDay: args.ordersPerStore,
      startMs,
      historyMs: args.historyMs,
      durationMs: args.durationMs,
      ...(args.spikeAfterMs !== undefined && !args.once && { promotionAfterMs: args.spikeAfterMs }),
      ...(args.asIfHour !== undefined && { asIfHour: args.asIfHour }),
    }),
  );
  if (args.keysDir !== undefined) {
    const existed = await hasProviderKeys(args.keysDir);
    const keys = await ensureProviderKeys(args.keysDir);
    return { scenario, keys, ...(!existed && { keysCreatedIn: path.resolve(args.keysDir) }) };
  }
  const fallback = dataDirKeys(env);
  const keys = (await hasProviderKeys(fallback)) ? await loadProviderKeys(fallback) : undefined;
  return { scenario, keys };
}

/** How fast and for how long the run sends (shared with `orderpulse demo`). */
export function pacingOf(args: SimulateArgs, setup: SimulationSetup) {
  return {
    ratePerSecond: args.rate,
    concurrency: args.concurrency,
    live: args.durationMs > 0,
    liveUntilMs: setup.scenario.config.startMs + args.durationMs,
  };
}

export function summaryText(summary: RunSummary, progress: Progress): string {
  const h = summary.history;
  const lines = [
    `history: ${h.orders} orders, ${h.events.length + h.carryOverEvents.length} events, ${h.payments.length + h.urgentPayments.length} payment callbacks, ${h.pushes.length + h.carrierFirst.length + h.urgentPushes.length} carrier pushes in ${summary.historySeconds.toFixed(1)} s`,
    `  steps: ${Object.entries(summary.phaseSeconds)
      .map(([name, sec]) => `${name.replace('history: ', '')} ${sec.toFixed(1)} s`)
      .join(', ')}`,
    'incidents (touched / alert condition met at the start / stores):',
    ...Object.entries(h.incidents).map(
      ([kind, t]) =>
        `  ${kind.padEnd(18)} ${String(t.total).padStart(6)} ${String(t.dueAtStart).padStart(6)} ${String(t.stores.length).padStart(5)}`,
    ),
  ];
  if (summary.bill) {
    lines.push(
      `WeChat bill ${summary.bill.day}: ${summary.bill.lines} lines → ${JSON.stringify(summary.bill.body)}`,
    );
  }
  lines.push(
    `sent ${progress.sent} in ${summary.seconds.toFixed(1)} s (${Math.round(progress.averageRate)}/s average)`,
  );
  if (progress.errorSamples.length > 0)
    lines.push(`errors, first of each kind:\n  ${progress.errorSamples.join('\n  ')}`);
  return `${lines.join('\n')}\n`;
}

export async function simulateCommand(argv: string[], io: SimulateIo): Promise<number> {
  let args: SimulateArgs;
  try {
    args = parseSimulateArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`orderpulse simulate: ${error.message}\n(see orderpulse simulate --help)\n`);
      return 2;
    }
    throw error;
  }
  const token =
    args.token ??
    parseTokens(io.env.ORDERPULSE_INGEST_TOKENS, 'default')[0]?.secret ??
    (await tokenFromDataDir(io.env, 'ingest'));
  if (!token) {
    io.stderr.write('orderpulse simulate: no ingest token: pass --token (or set ORDERPULSE_INGEST_TOKENS)\n');
    return 2;
  }
  const operatorToken =
    args.operatorToken ??
    parseTokens(io.env.ORDERPULSE_OPERATOR_TOKENS, 'operator')[0]?.secret ??
    (await tokenFromDataDir(io.env, 'operator'));
  const now = io.now ?? Date.now;
  const setup = await prepareSimulation(args, io.env, now());
  if (setup.keysCreatedIn) {
    const env = collectorEnvFor(setup.keysCreatedIn, setup.keys!);
    io.stderr.write(
      `created provider keys in ${setup.keysCreatedIn}; configure the collector with:\n${Object.entries(env)
        .map(([k, v]) => `  ${k}=${v}`)
        .join('\n')}\n`,
    );
  }
  if (!setup.keys) {
    io.stderr.write('no provider keys (--keys DIR): payments and carrier updates go through /v1/events\n');
  }
  const progress = new Progress();
  const stop = startProgressLine(progress, io.stderr);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  io.signal?.addEventListener('abort', onSignal);
  try {
    const summary = await runSimulation({
      scenario: setup.scenario,
      target: { url: args.target, ingestToken: token, ...(operatorToken && { operatorToken }) },
      ...(setup.keys && { keys: setup.keys }),
      progress,
      ...pacingOf(args, setup),
      signal: controller.signal,
      now,
    });
    stop();
    io.stdout.write(summaryText(summary, progress));
    return progress.counts.errors > 0 || progress.sent === 0 ? 1 : 0;
  } catch (error) {
    stop();
    io.stderr.write(`orderpulse simulate: ${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
