// Keeps the token registry in step with ORDERPULSE_TOKENS_FILE: read at start (an invalid file stops
// the start), then again on every change. fs.watch says at once when it can; a re-check every second
// covers the filesystems where it cannot (network mounts, some container volumes, editors that
// replace the file). An edited file that does not validate keeps the tokens in force and is logged.
// Every check also tells `onCheck`, so live sockets of an expired or removed token are closed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load-config.ts';
import { type FileToken, formatTokensFileProblem, parseTokensFile } from './tokens-file.ts';

export interface TokensFileLog {
  info(obj: object, message: string): void;
  error(obj: object, message: string): void;
}

/** Reads and validates the file once; a ConfigError lists every problem. */
export function readTokensFile(file: string): FileToken[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`ORDERPULSE_TOKENS_FILE: cannot read ${file}: ${(error as Error).message}`]);
  }
  const result = parseTokensFile(text);
  if (!result.ok)
    throw new ConfigError(
      result.problems.map((p) => `ORDERPULSE_TOKENS_FILE ${formatTokensFileProblem(file, p)}`),
    );
  return result.tokens;
}

export interface TokensFileWatcher {
  /** Reads the file now if it changed (the periodic check calls this; tests may too). */
  check(): void;
  stop(): void;
}

export function watchTokensFile(
  file: string,
  options: {
    apply: (tokens: FileToken[]) => void;
    /** After every check, changed or not: expiry is a matter of time, not of the file. */
    onCheck: () => void;
    log: TokensFileLog;
    intervalMs?: number;
  },
): TokensFileWatcher {
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  let last: string | undefined;
  try {
    last = hash(fs.readFileSync(file, 'utf8'));
  } catch {
    last = undefined;
  }
  let failing: string | undefined;
  const check = () => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      const message = (error as Error).message;
      if (failing !== message)
        options.log.error({ file }, `tokens file cannot be read, the tokens in force are kept: ${message}`);
      failing = message;
      options.onCheck();
      return;
    }
    const h = hash(text);
    if (h !== last) {
      last = h;
      const result = parseTokensFile(text);
      if (result.ok) {
        failing = undefined;
        options.apply(result.tokens);
        options.log.info({ file, tokens: result.tokens.length }, 'tokens file read again');
      } else {
        failing = h;
        options.log.error(
          { file, problems: result.problems.map((p) => formatTokensFileProblem(file, p)) },
          'tokens file is not valid, the tokens in force are kept',
        );
      }
    }
    options.onCheck();
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    // The directory, not the file: an editor or `mv` replaces the file, and a watch on it would end.
    watcher = fs.watch(path.dirname(file), (_event, name) => {
      if (name === null || name === path.basename(file)) check();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(check, options.intervalMs ?? 1000);
  timer.unref();
  return {
    check,
    stop() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
