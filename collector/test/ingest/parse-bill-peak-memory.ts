// Child process for memory tests: parses one bill file as the import does and prints, as JSON, what
// came of it and how far the process's peak RSS grew while parsing.
import { createReadStream } from 'node:fs';
import type { BillProvider } from '../../src/ingest/bills/bill-row.ts';
import { parseBill } from '../../src/ingest/bills/parse-bill.ts';

const [provider, file] = process.argv.slice(2) as [BillProvider, string];
const before = process.resourceUsage().maxRSS;
let rows = 0;
let failure: { name: string; message: string; line?: number } | undefined;
try {
  for await (const _ of parseBill(provider, createReadStream(file), { onRejected: () => {} })) rows++;
} catch (error) {
  const e = error as Error & { line?: number };
  failure = { name: e.name, message: e.message, ...(e.line !== undefined && { line: e.line }) };
}
const growthKb = process.resourceUsage().maxRSS - before;
process.stdout.write(`${JSON.stringify({ rows, failure, growthKb })}\n`);
