// Parses a bill for staging on a worker thread: the main thread, which also acknowledges events, only
// receives ready chunks (COPY text as bytes, handed over without a copy) and sends them to the store.
// Parsing a million lines is seconds of CPU; on the main thread every slice of it delays every event
// the process commits meanwhile.
import { Worker } from 'node:worker_threads';
import { type ErrorData, errorFromData } from '../ingest/bills/bill-error-transfer.ts';
import type { StageChunk, StagedBill, StageJob } from './bill-stage-chunks.ts';
import type { StagedLine } from './bill-staging-queries.ts';

export type FromStageWorker =
  | { type: 'rows'; rows: number; bytesRead: number }
  | { type: 'chunk'; copy: Uint8Array; lines?: undefined }
  | { type: 'chunk'; lines: StagedLine[]; copy?: undefined }
  /** It has `ahead` chunks not yet taken and waits before posting another. */
  | { type: 'waiting' }
  | { type: 'done'; bill: Omit<StagedBill, 'days'> & { days: string[] } }
  | { type: 'error'; error: ErrorData };

/** Chunks parsed but not yet taken by the store: one being sent, one ready behind it. */
export const CHUNKS_AHEAD = 2;

// The boot module loads the worker from its bundle, or from the TypeScript source beside this file.
const BOOT = new URL('./bill-stage-worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./bill-stage-worker.ts', import.meta.url).href;

let workersRunning = 0;

/** Parse threads started and not yet ended, in this process: none once every import has returned. */
export const stageWorkersRunning = (): number => workersRunning;

export interface StageThreadOptions {
  /** Chunks parsed ahead of the store at most (CHUNKS_AHEAD). */
  ahead?: number;
  /**
   * Called when the worker stops to wait for the store, with the chunks it has posted that this
   * thread has not yet taken (as far as have arrived): the bound on what is held in memory.
   */
  onWaiting?: (untaken: number) => void;
}

/**
 * The chunks of `stageChunks`, parsed on a worker thread, at most `ahead` of them waiting; `bill`
 * holds the figures once the generator is done. The parse's errors are rethrown as the same classes.
 * Leaving the loop early (the store failed) stops the worker; it never outlives the generator.
 */
export async function* stageChunksOnWorker(
  job: StageJob,
  bill: StagedBill,
  onRows: (rows: number, bytesRead: number) => void,
  { ahead = CHUNKS_AHEAD, onWaiting }: StageThreadOptions = {},
): AsyncGenerator<StageChunk> {
  const worker = new Worker(BOOT, {
    // not the parent's flags: a `--import tsx` there would load tsx a second time here
    execArgv: [],
    workerData: { entry: ENTRY, job, ahead },
  });
  workersRunning++;
  let taken = 0;
  const inbox = messages(worker, (arrived) => onWaiting?.(arrived - taken));
  try {
    for (;;) {
      const message = await inbox.next();
      if (message.type === 'rows') onRows(message.rows, message.bytesRead);
      else if (message.type === 'chunk') {
        yield message.copy ? { copy: message.copy } : { lines: message.lines };
        taken++;
        worker.postMessage('taken');
      } else if (message.type === 'done') {
        Object.assign(bill, message.bill, { days: new Set(message.bill.days) });
        return;
      } else if (message.type === 'error') throw errorFromData(message.error);
    }
  } finally {
    await worker.terminate();
    workersRunning--;
  }
}

/**
 * The worker's messages in order; fails once it fails or exits before its last message. `waiting`
 * is reported as it arrives, with the chunks arrived so far.
 */
function messages(
  worker: Worker,
  waiting: (chunksArrived: number) => void,
): { next: () => Promise<FromStageWorker> } {
  const queue: FromStageWorker[] = [];
  let chunks = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (message: FromStageWorker) => {
    if (message.type === 'waiting') return waiting(chunks);
    if (message.type === 'chunk') chunks++;
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure ??= error;
    notify();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the bill parser's thread stopped (exit code ${code}) before the end of the bill`);
    notify();
  });
  return {
    async next() {
      for (;;) {
        const message = queue.shift();
        if (message) return message;
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
