// A worker thread starts as a bare node. Its module comes from the worker's bundle when that was built
// from the sources as they are (bin/collector-bundle.js), else from the TypeScript source
// (workerData.entry) through tsx, registered here first.
import { workerData } from 'node:worker_threads';
import { currentBundle } from '../../../bin/collector-bundle.js';

const bundled = currentBundle('bill-stage-worker');
if (bundled) await import(bundled);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(workerData.entry);
}
