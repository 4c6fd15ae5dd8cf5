// The node flags a bench starts `orderpulse serve` with: those `npm start` ends up with for the store
// (bin/store-node-flags.js), unless BENCH_NODE_FLAGS replaces them (e.g. `--max-semi-space-size=32`,
// the flag both stores had before); BENCH_NODE_ARGS adds flags after them, so a later one wins.
// @ts-expect-error: a plain JavaScript module of the launcher
import { EMBEDDED_NODE_FLAGS, POSTGRES_NODE_FLAGS } from '../bin/store-node-flags.js';

const words = (text: string | undefined) => text?.split(' ').filter(Boolean);

export function launchFlags(store: 'embedded' | 'postgres'): string[] {
  const replaced = words(process.env.BENCH_NODE_FLAGS);
  const base = replaced ?? ((store === 'embedded' ? EMBEDDED_NODE_FLAGS : POSTGRES_NODE_FLAGS) as string[]);
  return [...base, ...(words(process.env.BENCH_NODE_ARGS) ?? [])];
}
