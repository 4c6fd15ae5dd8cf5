#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no compile step. tsx is
// loaded only once this process knows it will run the collector itself: a launcher that relaunches
// under other node flags stays a bare node process while it waits.
import { relaunch, relaunchFlags, stopWithLauncher } from './store-node-flags.js';

const flags = relaunchFlags(process.env, process.execArgv);
if (flags) await relaunch(flags);
stopWithLauncher();

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../collector/src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
