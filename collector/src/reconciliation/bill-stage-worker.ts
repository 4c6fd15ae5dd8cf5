// The worker thread's side of staging a bill (started by bill-stage-thread.ts): parses the file into
// chunks and posts each as it is ready, at most `ahead` of them not yet taken by the main thread, so
// memory holds a few chunks however fast the parse runs ahead of the store.
import { parentPort, workerData } from 'node:worker_threads';
import { errorData } from '../ingest/bills/bill-error-transfer.ts';
import { emptyStagedBill, type StageJob, stageChunks } from './bill-stage-chunks.ts';
import type { FromStageWorker } from './bill-stage-thread.ts';

const port = parentPort;
if (!port) throw new Error('bill-stage-worker.ts runs on a worker thread started by bill-stage-thread.ts');
const { job, ahead } = workerData as { job: StageJob; ahead: number };
const post = (message: FromStageWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

let untaken = 0;
let taken: (() => void) | undefined;
port.on('message', () => {
  untaken--;
  taken?.();
  taken = undefined;
});

const bill = emptyStagedBill();
try {
  for await (const chunk of stageChunks(job, bill, (rows, bytesRead) =>
    post({ type: 'rows', rows, bytesRead }),
  )) {
    if (untaken >= ahead) post({ type: 'waiting' });
    while (untaken >= ahead) await new Promise<void>((resolve) => (taken = resolve));
    untaken++;
    if (chunk.copy) post({ type: 'chunk', copy: chunk.copy }, [chunk.copy.buffer as ArrayBuffer]);
    else post({ type: 'chunk', lines: chunk.lines });
  }
  post({ type: 'done', bill: { ...bill, days: [...bill.days] } });
} catch (error) {
  post({ type: 'error', error: errorData(error) });
} finally {
  port.close();
}
