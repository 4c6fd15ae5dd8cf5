// `npm run mutate [-- --mutate 'collector/src/domain/reconciliation/**/*.ts']`: Stryker over the pure
// code (stryker.config.json), then the score per folder from its JSON report.
// Stryker is started through its API rather than its CLI: the CLI refuses Node < 22, the project
// supports Node >= 20.11, and the run itself works on 20. `--summary` only re-prints the last report.
// `--reports DIR` keeps a run's report, incremental file and sandbox apart from the default ones, so
// two scopes can be measured side by side.
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

const args = process.argv.slice(2);
const reportsAt = args.indexOf('--reports');
const reports = reportsAt === -1 ? 'reports' : args.splice(reportsAt, 2)[1];
const REPORT = `${reports}/mutation/mutation.json`;

if (!args.includes('--summary')) {
  const options =
    reports === 'reports'
      ? {}
      : {
          incrementalFile: `${reports}/stryker-incremental.json`,
          jsonReporter: { fileName: REPORT },
          tempDirName: `.stryker-tmp-${reports.replaceAll('/', '-')}`,
        };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--mutate') options.mutate = args[++i].split(',');
    else if (args[i] === '--concurrency') options.concurrency = Number(args[++i]);
    // Static mutants rerun every related test file each; on a loaded machine they can take most of a
    // run. Skipped ones are reported as "Ignored" and left out of the score: say so next to it.
    else if (args[i] === '--ignore-static') options.ignoreStatic = true;
    else throw new Error(`unknown argument ${args[i]} (expected --mutate GLOB[,GLOB], --concurrency N, --reports DIR, --ignore-static, --summary)`);
  }
  const started = Date.now();
  const { Stryker } = await import('../node_modules/@stryker-mutator/core/dist/src/stryker.js');
  await new Stryker(options).runMutationTest();
  console.log(`\nmutation run: ${Math.round((Date.now() - started) / 1000)} s`);
}

const KILLED = new Set(['Killed', 'Timeout']);
const report = JSON.parse(readFileSync(REPORT, 'utf8'));
const folders = new Map();
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = relative(process.cwd(), dirname(file)) || dirname(file);
  const row = folders.get(folder) ?? { mutants: 0, Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, CompileError: 0, Ignored: 0, other: 0 };
  for (const mutant of mutants) {
    row.mutants++;
    if (mutant.status in row) row[mutant.status]++;
    else row.other++;
  }
  folders.set(folder, row);
}

// Stryker's score: (killed + timeout) / (killed + timeout + survived + no coverage); mutants that do
// not compile (the TypeScript checker) or were ignored are not counted.
const score = (r) => {
  const valid = r.Killed + r.Timeout + r.Survived + r.NoCoverage;
  return valid === 0 ? 'n/a' : `${((100 * (r.Killed + r.Timeout)) / valid).toFixed(1)} %`;
};
const total = { mutants: 0, Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, CompileError: 0, Ignored: 0, other: 0 };
const lines = [['folder', 'mutants', 'killed', 'survived', 'timeout', 'no cov', 'no compile', 'ignored', 'score']];
for (const [folder, r] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  for (const key of Object.keys(total)) total[key] += r[key];
  lines.push([folder, r.mutants, r.Killed, r.Survived, r.Timeout, r.NoCoverage, r.CompileError, r.Ignored, score(r)]);
}
lines.push(['all', total.mutants, total.Killed, total.Survived, total.Timeout, total.NoCoverage, total.CompileError, total.Ignored, score(total)]);
const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => String(l[c]).length)));
for (const line of lines)
  console.log(line.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  '));
