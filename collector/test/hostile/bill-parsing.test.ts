// Both bill parsers given anything: rows, or a BillFormatError/BillEncodingError — never another
// exception; a row that cannot be read does not hide the readable rows around it; a line far past
// the line limit is refused by its number.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BILL_PROVIDERS,
  BillFormatError,
  type BillProvider,
  type BillRow,
} from '../../src/ingest/bills/bill-row.ts';
import { BillEncodingError, BillLimitError } from '../../src/ingest/bills/bill-text.ts';
import { parseBill } from '../../src/ingest/bills/parse-bill.ts';
import { fuzz } from './fuzz-settings.ts';
import { mutatedText, nastyString } from './hostile-values.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../support/fixtures/${name}`, import.meta.url), 'utf8');

const BILLS: Record<BillProvider, { text: string; detailLines: number[] }> = {
  wechatpay: { text: fixture('wechatpay-trade-bill-20col.csv'), detailLines: [2, 3] },
  alipay: { text: fixture('alipay-trade-bill.utf8.txt'), detailLines: [6, 7, 8] },
};

type Parsed =
  | { rows: BillRow[]; rejected: number[] }
  | { error: BillFormatError | BillEncodingError | BillLimitError };

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) break;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

/** Parses as the upload route does: rows that cannot be read are set aside, not fatal. */
async function parse(provider: BillProvider, bytes: Uint8Array, sizes: number[] = []): Promise<Parsed> {
  const rows: BillRow[] = [];
  const rejected: number[] = [];
  try {
    const onRejected = ({ line }: { line: number }) => rejected.push(line);
    for await (const row of parseBill(provider, chunked(bytes, sizes), { onRejected })) rows.push(row);
    return { rows, rejected };
  } catch (error) {
    // Anything but the documented errors fails the property, with the error itself as the message.
    if (
      error instanceof BillFormatError ||
      error instanceof BillEncodingError ||
      error instanceof BillLimitError
    )
      return { error };
    throw error;
  }
}

const billBytes = (provider: BillProvider) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    fc.string({ maxLength: 400, unit: 'binary' }).map((s) => Buffer.from(s)),
    mutatedText(BILLS[provider].text).map((s) => Buffer.from(s)),
    mutatedText(BILLS[provider].text).map((s) => gzipSync(s)),
    // A gzip stream cut short or with flipped bytes.
    fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([at, byte]) => {
      const gz = gzipSync(BILLS[provider].text);
      const cut = Buffer.from(gz.subarray(0, at % gz.length));
      if (cut.length > 12) cut[cut.length - 1] = byte;
      return cut;
    }),
  );

describe.each(BILL_PROVIDERS)('%s trade bill', (provider) => {
  it('any bytes, in any chunking, give rows or a BillFormatError/BillEncodingError/BillLimitError', async () => {
    await fc.assert(
      fc.asyncProperty(
        billBytes(provider),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
        async (bytes, sizes) => {
          await parse(provider, bytes, sizes);
        },
      ),
      fuzz(80),
    );
  });

  it('a detail row that cannot be read does not hide the readable rows of the file', async () => {
    const { text, detailLines } = BILLS[provider];
    const lines = text.split('\n');
    const valid = await parse(provider, Buffer.from(text));
    if (!('rows' in valid)) throw valid.error;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...detailLines),
        fc.oneof(nastyString(), fc.constantFrom('`,`,`', '2024-06-01 10:15:30,,', '"unterminated,')),
        async (lineNumber, replacement) => {
          const broken = [...lines];
          broken[lineNumber - 1] = replacement.replaceAll('\n', ' ');
          const parsed = await parse(provider, Buffer.from(broken.join('\n')));
          expect(parsed, 'one unreadable row rejected the whole file').toHaveProperty('rows');
          if (!('rows' in parsed)) return;
          const expected = valid.rows
            .filter((row) => row.line !== lineNumber)
            .map((r) => [r.line, r.transactionId]);
          const found = parsed.rows.map((r) => [r.line, r.transactionId]);
          for (const row of expected) expect(found).toContainEqual(row);
        },
      ),
      {
        ...fuzz(40),
        examples: [
          [detailLines[0]!, '\u0000'],
          // Long, but under the 64 KiB line limit (past it the file is refused by design).
          [detailLines[0]!, 'a'.repeat(60_000)],
        ],
      },
    );
  });

  it('a 40 MB single-line gzip bill is refused by its line number', async () => {
    const gz = gzipSync(Buffer.alloc(40 * 1024 * 1024, 'a'));
    const parsed = await parse(provider, gz);
    expect(parsed).toHaveProperty('error');
    if ('error' in parsed) {
      expect(parsed.error).toBeInstanceOf(BillLimitError);
      expect((parsed.error as BillLimitError).line).toBe(1);
      expect(parsed.error.message.length).toBeLessThan(1000);
    }
  });

  it('a line longer than 64 KiB after the header is refused by its line number', async () => {
    const { text, detailLines } = BILLS[provider];
    const lines = text.split('\n');
    const at = detailLines[0]!;
    lines.splice(at - 1, 0, `${'9'.repeat(65 * 1024)},`);
    const parsed = await parse(provider, Buffer.from(lines.join('\n')));
    expect(parsed).toHaveProperty('error');
    if ('error' in parsed) {
      expect(parsed.error).toBeInstanceOf(BillLimitError);
      expect((parsed.error as BillLimitError).line).toBe(at);
    }
  });
});
