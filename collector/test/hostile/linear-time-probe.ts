// Run by linear-regex.test.ts in a child process: matches operator-written patterns against their
// subjects through the product's own code paths, printing a line as each one starts and ends. A
// child, because a regex that backtracks blocks its thread and only a process can be stopped.
import { matcherMatches } from '../../src/domain/alerts/matchers.ts';
import { compileCondition } from '../../src/rules-config/expression/compile.ts';

const [kind, cases] = process.argv.slice(2) as [string, string];
for (const [pattern, subject] of JSON.parse(cases) as [string, string][]) {
  process.stdout.write(`start ${pattern}\n`);
  const matched =
    kind === 'silence'
      ? matcherMatches({ name: 'store_id', operator: '=~', value: pattern }, { store_id: subject })
      : compileCondition(`store_id matches ${JSON.stringify(`^${pattern}$`)}`).test({ store_id: subject });
  process.stdout.write(`${matched ? 'matched' : 'no match'} ${pattern}\n`);
}
