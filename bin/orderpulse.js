#!/usr/bin/env node
// Runs the collector from its bundle (bin/collector-bundle.js), built again here when the TypeScript
// sources changed since; a fresh clone needs no compile step of its own. Nothing of the collector is
// loaded before this process knows it will run it: a launcher that relaunches under other node flags
// stays a bare node process while it waits.
import { relaunch, relaunchFlags, stopWithLauncher } from './store-node-flags.js';

const flags = relaunchFlags(process.env, process.execArgv);
if (flags) await relaunch(flags);
stopWithLauncher();

const { collectorEntry } = await import('./collector-bundle.js');
const entry = await collectorEntry();
if (!entry.bundled) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(entry.url);
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
