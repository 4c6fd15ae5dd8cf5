// `orderpulse demo` (npm run demo): the collector on the embedded store with the simulator feeding it,
// so a newcomer sees alerts on the wall display within a minute. Provider keys are made once and kept
// in the data dir; the collector is configured with their public halves, the simulator signs with the rest.
import path from 'node:path';
import { serve } from '../main.ts';
import { ProviderSandbox } from '../simulator/provider-apis/provider-sandbox.ts';
import { Progress, startProgressLine } from '../simulator/sender/progress.ts';
import { collectorEnvFor, ensureProviderKeys } from '../simulator/sender/provider-keys.ts';
import { runSimulation } from '../simulator/sender/run-simulation.ts';
import { DEMO_HISTORY_DAYS, sendDemoHistory } from './demo-history.ts';
import { startDemoOrderSystem } from './demo-order-system.ts';
import {
  dataDirKeys,
  pacingOf,
  parseSimulateArgs,
  prepareSimulation,
  type SimulateArgs,
  summaryText,
  UsageError,
} from './simulate.ts';

export const DEMO_USAGE = `orderpulse demo [options]

Runs the collector and the dashboard with the built-in simulator feeding them (npm run demo).

Starts \`orderpulse serve\` (PORT, default 8080; the embedded store under ORDERPULSE_DATA_DIR unless
DATABASE_URL is set), makes demo WeChat Pay, Alipay and Kuaidi100 keys once (kept in
<data dir>/simulator-keys, and configured into the collector for this run), prints the wall display's
URL with a viewer token, then plays \`orderpulse simulate\` against it: an hour of back-dated traffic
with the brief's incidents, the WeChat bill, then live traffic with a ×20 promotion spike. Alerts from
several rules across many stores show within a minute. Loopback WeChat Pay and Alipay order-query APIs
answer as the providers' sandboxes would (the collector's ORDERPULSE_WECHATPAY_API_BASE and
ORDERPULSE_ALIPAY_GATEWAY point at them), so during the scripted 47-minute WeChat Pay callback outage
the paid orders are confirmed by query and the wall shows the recovery. Ctrl-C stops both.

The traffic curve is played as if it were 20:00 in China (the evening rush) whatever the hour;
--as-if-hour H changes that.

options (as for orderpulse simulate): --stores N, --orders-per-store N, --seed N, --rate N,
  --history D, --duration D (then the collector keeps running), --spike-after D, --no-spike,
  --as-if-hour H, --concurrency N`;

export interface DemoIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function demoCommand(argv: string[], io: DemoIo): Promise<number> {
  let args: SimulateArgs;
  try {
    if (argv.some((a) => ['--target', '--token', '--operator-token', '--keys', '--once'].includes(a)))
      throw new UsageError(
        'demo runs its own collector: --target, --token, --operator-token, --keys and --once belong to orderpulse simulate',
      );
    args = parseSimulateArgs(argv);
    args.asIfHour ??= 20;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`orderpulse demo: ${error.message}\n(see orderpulse demo --help)\n`);
      return 2;
    }
    throw error;
  }
  const keysDir = dataDirKeys(io.env);
  const keys = await ensureProviderKeys(keysDir);
  // The providers' order-query APIs answer as their sandboxes would, so the outage's paid orders
  // are confirmed by query; the collector is pointed at them like at the real hosts.
  const sandbox = await ProviderSandbox.start(keysDir, keys);
  const providerEnv = { ...collectorEnvFor(keysDir, keys), ...sandbox.env };
  const overridden = Object.keys(providerEnv).filter((k) => io.env[k] && io.env[k] !== providerEnv[k]);
  if (overridden.length > 0)
    io.stderr.write(`demo: using the demo provider keys instead of ${overridden.join(', ')} for this run\n`);
  const orderSystem = await startDemoOrderSystem();
  // Request logs at info would drown the hints below in thousands of lines a second.
  const env = { LOG_LEVEL: 'error', ...io.env, ...providerEnv, ...orderSystem.env };
  const { url, config, generated } = await serve(env, { generateTokens: true });
  const port = new URL(url).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const target = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // A secret is shown only by the start that generated it; later runs point at where it is kept.
  const viewer = generated.viewer?.[0]?.secret;
  const operator = config.tokens.operator[0]?.secret;
  const ingest = config.tokens.ingest[0]?.secret;
  if (!ingest) throw new Error('no ingest token configured');
  orderSystem.connect({ baseUrl: target, token: ingest });
  io.stdout.write(
    [
      'OrderPulse demo',
      `  wall display:  ${url}/?token=${viewer ?? '<viewer token>'}`,
      `  alerts API:    curl -H 'Authorization: Bearer ${viewer ?? '<viewer token>'}' ${url}/v1/alerts`,
      ...(viewer
        ? []
        : [`  tokens:        ${path.join(config.dataDir, 'tokens.json')} or ORDERPULSE_VIEWER_TOKENS`]),
      `  provider keys: ${path.relative(process.cwd(), keysDir) || keysDir}`,
      orderSystem.line,
      `  provider APIs: WeChat Pay ${sandbox.wechat.baseUrl}, Alipay ${sandbox.alipay.gateway} (order queries)`,
      `  simulating ${args.stores} stores × ~${args.ordersPerStore} orders/day (seed ${args.seed}); Ctrl-C stops`,
      "  alerts show as soon as the back-dated hour's orders are in (seconds); reconciliation once every",
      '  payment callback of that hour is in and the WeChat bill is posted (a minute or two here).',
      '',
    ].join('\n'),
  );
  if (operator) {
    const history = await sendDemoHistory(
      { url: target, ingestToken: ingest, operatorToken: operator },
      { seed: args.seed, stores: args.stores, nowMs: Date.now() },
    );
    io.stdout.write(
      history.skippedDays === history.days
        ? `the last ${DEMO_HISTORY_DAYS} days were reconciled by an earlier run\n`
        : `${history.days - history.skippedDays} past days reconciled in ${history.seconds.toFixed(1)} s ` +
            `(sales in ${history.eventSeconds.toFixed(1)} s, then the bills) ` +
            `(${history.events} events, ${history.billLines} bill lines, ${history.missing} lost at the tills of ` +
            `${history.offenders.map((o) => o.tillId).join(', ')})\n`,
    );
  }
  const setup = await prepareSimulation({ ...args, keysDir }, io.env, Date.now());
  sandbox.follow(setup.scenario);
  const progress = new Progress();
  const stop = startProgressLine(progress, io.stderr, 2000);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const summary = await runSimulation({
    scenario: setup.scenario,
    target: { url: target, ingestToken: ingest, ...(operator && { operatorToken: operator }) },
    keys,
    progress,
    ...pacingOf(args, setup),
    signal: controller.signal,
    onHistorySent: (history, bill) => {
      sandbox.release();
      const seen = Object.entries(history.incidents)
        .filter(([, t]) => t.total > 0)
        .map(([kind, t]) => `${kind} ${t.total} (${t.stores.length} stores)`)
        .join(', ');
      const reconciled = bill
        ? `; WeChat bill of ${bill.day} reconciled: ${JSON.stringify(bill.body.unmatched_payments ?? '?')} payments without an order`
        : '';
      io.stdout.write(
        `\nthe last hour is in (${progress.sent} sent)${reconciled}\nincidents: ${seen}\nlive traffic follows.\n\n`,
      );
    },
  });
  stop();
  io.stdout.write(summaryText(summary, progress));
  if (!controller.signal.aborted)
    io.stdout.write(`simulation finished; the collector keeps running at ${url} (Ctrl-C stops it)\n`);
  return 0;
}
