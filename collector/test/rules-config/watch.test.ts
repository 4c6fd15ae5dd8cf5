// Hot reload against real files in a temporary directory, with the real fs.watch.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRuleSet, type RuleSet } from '../../src/rules-config/rule-set.ts';
import { type RuleSetChange, type RuleSetLog, watchRuleSet } from '../../src/rules-config/watch.ts';

const minimal = path.join(import.meta.dirname, 'testdata/valid/minimal');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  dir: string;
  logs: Array<{ level: 'info' | 'warn'; message: string; details: Record<string, unknown> }>;
  /** Resolves with the next change reported after this call. */
  next(): Promise<RuleSetChange>;
  /** Stops this watcher only (the directory stays). */
  close(): Promise<void>;
}

async function start(options: { initial?: boolean; dir?: string } = {}): Promise<Harness> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'op-watch-')));
  if (options.dir === undefined) await cp(minimal, dir, { recursive: true });
  const queue: RuleSetChange[] = [];
  const waiters: Array<(change: RuleSetChange) => void> = [];
  const logs: Harness['logs'] = [];
  const log: RuleSetLog = {
    info: (details, message) =>
      logs.push({ level: 'info', message, details: details as Record<string, unknown> }),
    warn: (details, message) =>
      logs.push({ level: 'warn', message, details: details as Record<string, unknown> }),
  };
  let initial: RuleSet | undefined;
  if (options.initial !== false) {
    const loaded = await loadRuleSet(dir);
    if (!loaded.ok) throw new Error('minimal sample must load');
    initial = loaded.ruleSet;
  }
  const close = watchRuleSet(
    dir,
    (change) => {
      const waiter = waiters.shift();
      if (waiter) waiter(change);
      else queue.push(change);
    },
    log,
    { debounceMs: 30, ...(initial === undefined ? {} : { initial }) },
  );
  cleanups.push(async () => {
    await close();
    if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    dir,
    logs,
    close,
    next: () => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

const rules = (limit: string) => `rules:\n  payment_unapplied:\n    limit: ${limit}\n`;

describe('watchRuleSet', () => {
  it('loads at start when no initial set is given', async () => {
    const harness = await start({ initial: false });
    const change = await harness.next();
    expect(change.kind).toBe('loaded');
    if (change.kind === 'loaded') expect(change.previous).toBeUndefined();
  });

  it('switches to a valid edit, keeps the last good set through an invalid one, then recovers', async () => {
    const harness = await start();
    await writeFile(path.join(harness.dir, 'rules.yaml'), rules('3m'));
    const first = await harness.next();
    expect(first.kind).toBe('loaded');
    if (first.kind !== 'loaded') return;
    expect(first.ruleSet.builtin.payment_unapplied.limitMs).toBe(180_000);
    expect(first.previous?.builtin.payment_unapplied.limitMs).toBe(120_000);

    await writeFile(path.join(harness.dir, 'rules.yaml'), rules('0s'));
    const rejected = await harness.next();
    expect(rejected.kind).toBe('rejected');
    if (rejected.kind !== 'rejected') return;
    expect(rejected.current).toBe(first.ruleSet);
    expect(rejected.errors).toEqual([
      expect.objectContaining({
        file: 'rules.yaml',
        rule: 'payment_unapplied',
        field: 'limit',
        message: 'must be a positive duration, not 0',
      }),
    ]);
    const warning = harness.logs.find((entry) => entry.level === 'warn');
    expect(warning?.message).toBe('rule files are invalid; keeping the last good rule set');
    expect(warning?.details.keeping).toBe(first.ruleSet.contentHash);
    expect(warning?.details.errors).toEqual([
      'rules.yaml:3:12: payment_unapplied: limit: must be a positive duration, not 0',
    ]);

    await writeFile(path.join(harness.dir, 'rules.yaml'), rules('4m'));
    const recovered = await harness.next();
    expect(recovered.kind).toBe('loaded');
    if (recovered.kind !== 'loaded') return;
    expect(recovered.ruleSet.builtin.payment_unapplied.limitMs).toBe(240_000);
    // The previous set is the last good one, not the rejected files.
    expect(recovered.previous).toBe(first.ruleSet);
  });

  it('picks up a custom/ directory created after start, and files within it', async () => {
    const harness = await start();
    await mkdir(path.join(harness.dir, 'custom'));
    await writeFile(
      path.join(harness.dir, 'custom/priority.yaml'),
      'rules:\n  - name: big\n    when: amount_fen > 100\n    severity: info\n',
    );
    let change = await harness.next();
    // The directory may be seen before the file is written: wait for the set that has the rule.
    while (change.kind === 'loaded' && change.ruleSet.custom.length === 0) change = await harness.next();
    expect(change.kind).toBe('loaded');
    if (change.kind !== 'loaded') return;
    expect(change.ruleSet.custom.map((rule) => rule.name)).toEqual(['big']);

    await writeFile(
      path.join(harness.dir, 'custom/priority.yaml'),
      'rules:\n  - name: big\n    when: amount_fen > "100"\n    severity: info\n',
    );
    const rejected = await harness.next();
    expect(rejected.kind).toBe('rejected');
    if (rejected.kind === 'rejected') {
      expect(rejected.errors[0]).toMatchObject({ file: 'custom/priority.yaml', rule: 'big', field: 'when' });
      expect(rejected.current?.custom.map((rule) => rule.name)).toEqual(['big']);
    }
  });

  it('does not report a reload when the bytes did not change', async () => {
    const harness = await start();
    const same = await readFile(path.join(harness.dir, 'rules.yaml'));
    await writeFile(path.join(harness.dir, 'rules.yaml'), same);
    // A real change afterwards is the next thing reported; the identical rewrite reported nothing.
    await writeFile(path.join(harness.dir, 'rules.yaml'), rules('5m'));
    const change = await harness.next();
    expect(change.kind).toBe('loaded');
    if (change.kind === 'loaded') expect(change.ruleSet.builtin.payment_unapplied.limitMs).toBe(300_000);
  });

  it('reports nothing after close', async () => {
    const harness = await start();
    // A second watcher on the same directory stays open: once it has reported the edit, the closed
    // one has had every chance to report it too.
    const witness = await start({ dir: harness.dir });
    await harness.close();
    let reported = false;
    void harness.next().then(() => {
      reported = true;
    });
    await writeFile(path.join(harness.dir, 'rules.yaml'), rules('6m'));
    const seen = await witness.next();
    expect(seen.kind).toBe('loaded');
    if (seen.kind === 'loaded') expect(seen.ruleSet.builtin.payment_unapplied.limitMs).toBe(360_000);
    // A second edit seen by the witness: the first edit's reload, had there been one, is long over.
    await writeFile(path.join(harness.dir, 'rules.yaml'), rules('7m'));
    const again = await witness.next();
    if (again.kind === 'loaded') expect(again.ruleSet.builtin.payment_unapplied.limitMs).toBe(420_000);
    expect(again.kind).toBe('loaded');
    expect(reported).toBe(false);
  });
});
