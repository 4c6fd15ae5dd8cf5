// Hot reload of alert-rules/: watch the directory (and custom/), debounce bursts of file events
// (editors write, rename and chmod in quick succession), reload the whole set, and switch only
// to a set that is valid. An invalid edit is reported and the last good set keeps running.
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { formatLoadError, type LoadError } from './load-error.ts';
import { CUSTOM_DIR, describeRuleSet, loadRuleSet, type RuleSet } from './rule-set.ts';

export type RuleSetChange =
  /** A new valid set (content hash differs from the running one) is now in force. */
  | { kind: 'loaded'; ruleSet: RuleSet; previous: RuleSet | undefined }
  /** The files are invalid; `current` (the last good set, if any) stays in force. */
  | { kind: 'rejected'; errors: LoadError[]; current: RuleSet | undefined };

/** The pino-style subset of a logger the watcher writes to (fastify's `app.log` fits). */
export interface RuleSetLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface WatchOptions {
  /** Quiet time after the last file event before reloading. Default 250 ms. */
  debounceMs?: number;
  /** The set already loaded at start; without it the watcher loads once immediately. */
  initial?: RuleSet;
  now?: () => number;
}

/** Starts watching `dir`; returns a function that stops it (and waits for a reload in flight). */
export function watchRuleSet(
  dir: string,
  onChange: (change: RuleSetChange) => void,
  log: RuleSetLog,
  options: WatchOptions = {},
): () => Promise<void> {
  const debounceMs = options.debounceMs ?? 250;
  let current = options.initial;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const watchers = new Map<string, FSWatcher>();

  const schedule = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, debounceMs);
  };

  const watchDir = (target: string): void => {
    if (watchers.has(target)) return;
    try {
      const watcher = watch(target, { persistent: false }, schedule);
      watcher.on('error', (error) => {
        log.warn(
          { dir: target, err: error },
          'rule directory watch failed; it is re-established on the next reload',
        );
        watcher.close();
        watchers.delete(target);
        schedule();
      });
      watchers.set(target, watcher);
    } catch (error) {
      log.warn({ dir: target, err: error }, 'cannot watch rule directory');
    }
  };

  // custom/ may be created or removed at any time; its watcher follows it.
  const syncWatchers = async (): Promise<void> => {
    watchDir(dir);
    const custom = path.join(dir, CUSTOM_DIR);
    const exists = await stat(custom).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (closed) return;
    if (exists) watchDir(custom);
    else {
      watchers.get(custom)?.close();
      watchers.delete(custom);
    }
  };

  const reloadOnce = async (): Promise<void> => {
    await syncWatchers();
    const result = await loadRuleSet(dir, options.now === undefined ? {} : { now: options.now });
    if (closed) return;
    if (!result.ok) {
      log.warn(
        { dir, errors: result.errors.map(formatLoadError), keeping: current?.contentHash ?? null },
        current === undefined
          ? 'rule files are invalid and no valid rule set has been loaded yet'
          : 'rule files are invalid; keeping the last good rule set',
      );
      onChange({ kind: 'rejected', errors: result.errors, current });
      return;
    }
    if (current !== undefined && result.ruleSet.contentHash === current.contentHash) return;
    const previous = current;
    current = result.ruleSet;
    log.info(
      { dir, contentHash: current.contentHash, previousHash: previous?.contentHash ?? null },
      `rule set loaded: ${describeRuleSet(current)}`,
    );
    onChange({ kind: 'loaded', ruleSet: current, previous });
  };

  // One reload at a time; events during a reload cause exactly one more.
  const reload = async (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await reloadOnce();
        } catch (error) {
          log.warn({ dir, err: error }, 'rule reload failed unexpectedly; keeping the last good rule set');
        }
      } while (again && !closed);
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };

  if (current === undefined) void reload();
  else void syncWatchers();

  return async () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
    await running;
  };
}
