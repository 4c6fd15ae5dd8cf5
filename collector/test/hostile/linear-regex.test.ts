// Regular expressions from operators (silences, routes.yaml matchers) and rule files (custom rule
// `matches`) run in linear time. Classic catastrophic-backtracking patterns are matched against
// subjects that keep a backtracking engine busy for hours (about 2^48 steps); a linear engine
// answers at once. The child's deadline is only a hang guard, orders of magnitude above either.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const PROBE = fileURLToPath(new URL('./linear-time-probe.ts', import.meta.url));
// Two node processes loading TypeScript on a busy machine may take a minute; a backtracking engine
// would take hours.
const HANG_GUARD_MS = 90_000;

const EVIL: [string, string][] = [
  ['(a+)+', `${'a'.repeat(48)}!`],
  ['(a|aa)+', `${'a'.repeat(48)}!`],
  ['(a|a?)+b', 'a'.repeat(48)],
  ['(.*a){24}', `${'a'.repeat(48)}!`],
];

function probe(kind: 'silence' | 'condition') {
  return new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE, kind, JSON.stringify(EVIL)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    child.on('exit', () => {
      clearTimeout(guard);
      resolve(output);
    });
  });
}

it('silence matchers (store_id=~"…") and custom rule conditions (matches "^…$") answer every pathological pattern', async () => {
  const [silence, condition] = await Promise.all([probe('silence'), probe('condition')]);
  const expected = EVIL.map(([pattern]) => `start ${pattern}\nno match ${pattern}\n`).join('');
  expect(silence, 'silence matchers').toBe(expected);
  expect(condition, 'custom rule conditions').toBe(expected);
}, 120_000);
