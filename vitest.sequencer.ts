// The order the suite's files start in, across projects. Two workers take files from one queue and
// the run ends when the last file does: the files that take longest go first, so that the run ends
// on short ones on both workers instead of one long file on one worker while the other waits.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * How long a file is expected to take, from what its source starts: a browser or real processes
 * (tens of seconds), then stores (seconds), then nothing of the kind.
 */
export function expectedCost(source: string): number {
  if (BROWSER.test(source) || PROCESSES.test(source)) return 3;
  if (/\b(openTestDatabase|openEmbeddedTestDatabase|openDatabase|buildTestApp)\(/.test(source)) return 2;
  return 1;
}

const BROWSER = /\blaunchBrowser\(/;
const PROCESSES =
  /\b(spawnCollector|spawn|spawnSync|execFile|startPrometheus|startAlertmanager|TestHaproxy\.start)\(/;

/**
 * The costliest files, the browser ones taking turns with the others: two Chromiums at once contend
 * more than a Chromium and a spawned collector do.
 */
export function alternateBrowsers<T>(files: T[], usesBrowser: (f: T) => boolean): T[] {
  const browser = files.filter(usesBrowser);
  const other = files.filter((f) => !usesBrowser(f));
  const turns: T[] = [];
  for (let i = 0; i < Math.max(browser.length, other.length); i++) {
    if (i < browser.length) turns.push(browser[i]!);
    if (i < other.length) turns.push(other[i]!);
  }
  return turns;
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const key = (f: TestSpecification) => `${f.project.name}:${relative(config.root, f.moduleId)}`;
    const durations = files.map((f) => cache.getFileTestResults(key(f))?.duration);
    // A run with every file's last duration (a working copy that ran them all): longest first.
    if (durations.every((d) => d !== undefined)) {
      return files
        .map((f, i) => ({ f, d: durations[i]! }))
        .sort((a, b) => b.d - a.d)
        .map(({ f }) => f);
    }
    // A fresh clone (CI) has none: by expected cost, then the larger file first.
    const ranked = files
      .map((f) => {
        const source = readFileSync(f.moduleId, 'utf8');
        return { f, cost: expectedCost(source), size: source.length, browser: BROWSER.test(source) };
      })
      .sort((a, b) => b.cost - a.cost || b.size - a.size);
    const costliest = ranked.filter((r) => r.cost === 3);
    return [...alternateBrowsers(costliest, (r) => r.browser), ...ranked.filter((r) => r.cost < 3)].map(
      ({ f }) => f,
    );
  }
}
