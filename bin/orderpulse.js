#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no compile step.
import { register } from 'tsx/esm/api';
import { relaunch, relaunchFlags } from './store-node-flags.js';

const flags = relaunchFlags(process.env, process.execArgv);
if (flags) await relaunch(flags);

register();
const { main } = await import('../collector/src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
