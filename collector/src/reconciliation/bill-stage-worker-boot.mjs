// A worker thread starts as a bare node, and its module is one of the collector's TypeScript sources
// (the collector's bundle does not hold it): tsx is registered here first, then the worker's own
// module (workerData.entry) is loaded through it.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
