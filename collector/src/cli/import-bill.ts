// `orderpulse import-bill --provider wechatpay|alipay FILE`: imports a provider's bill into the
// configured store and reconciles it, with a progress bar on stderr and a summary table on stdout.
import { basename } from 'node:path';
import { type Config, loadConfig } from '../config/load-config.ts';
import { BillFormatError, type BillProvider } from '../ingest/bills/bill-row.ts';
import { BillEncodingError, BillLimitError, DEFAULT_BILL_LIMITS } from '../ingest/bills/bill-text.ts';
import { type ImportBillResult, type ImportProgress, importBillFile } from '../reconciliation/import-bill.ts';
import type { Database } from '../store/database.ts';
import { openDatabase } from '../store/open-database.ts';

export const IMPORT_BILL_USAGE = `orderpulse import-bill --provider wechatpay|alipay [options] FILE

Imports a WeChat Pay or Alipay bill and reconciles it against the orders of its days.

Takes the provider's own file as downloaded (WeChat Pay 交易账单 CSV, plain or gzip; Alipay 业务明细 CSV,
GBK). Importing the same file again changes nothing. Uses the same store as \`orderpulse serve\`
(DATABASE_URL, or the embedded store under ORDERPULSE_DATA_DIR).

options:
  --provider NAME   wechatpay or alipay (required)
  --tail N          order-number characters that must agree for a fuzzy match (default 4)
  --window MIN      minutes a fuzzy match may be apart (default 15)
  --json            print the result as JSON instead of a table`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  now?: () => number;
  /** Tests pass the store; otherwise it is opened from the environment like `serve` does. */
  openDb?: (config: Config) => Promise<Database>;
}

interface Parsed {
  provider: BillProvider;
  file: string;
  tail?: number;
  windowMin?: number;
  json: boolean;
}

export class UsageError extends Error {}

export function parseImportBillArgs(args: readonly string[]): Parsed {
  let provider: string | undefined;
  let file: string | undefined;
  let tail: number | undefined;
  let windowMin: number | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      if (v === undefined || v === '') throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const positive = (text: string, name: string) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number`);
      return n;
    };
    if (arg === '--provider' || arg.startsWith('--provider=')) provider = value();
    else if (arg === '--tail' || arg.startsWith('--tail=')) tail = positive(value(), '--tail');
    else if (arg === '--window' || arg.startsWith('--window=')) windowMin = positive(value(), '--window');
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else throw new UsageError('give one bill file');
  }
  if (provider !== 'wechatpay' && provider !== 'alipay')
    throw new UsageError('--provider must be wechatpay or alipay');
  if (!file) throw new UsageError('the bill FILE is missing');
  return {
    provider,
    file,
    json,
    ...(tail !== undefined && { tail }),
    ...(windowMin !== undefined && { windowMin }),
  };
}

const BAR_WIDTH = 30;

/** A one-line progress bar on a terminal; occasional plain lines elsewhere (CI logs, pipes). */
function progressPrinter(stderr: CliIo['stderr']) {
  let lastPlain = 0;
  return {
    update(p: ImportProgress) {
      const share = p.totalBytes === 0 ? 1 : Math.min(1, p.bytesRead / p.totalBytes);
      const label = p.phase === 'parsing' ? `${p.rows.toLocaleString('en')} rows` : `${p.phase}…`;
      if (stderr.isTTY) {
        const filled = Math.round(share * BAR_WIDTH);
        stderr.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${label}\u001b[K`,
        );
      } else if (p.phase !== 'parsing' || p.rows - lastPlain >= 100_000) {
        lastPlain = p.rows;
        stderr.write(`${Math.round(share * 100)}% ${label}\n`);
      }
    },
    done() {
      if (stderr.isTTY) stderr.write('\r\u001b[K');
    },
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => [...(r[col] ?? '')].length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

export function summaryText(result: ImportBillResult, file: string): string {
  const r = result.record;
  const lines = [
    `${r.provider} bill ${basename(file)} → import ${r.id}${result.alreadyImported ? ' (already imported: nothing changed)' : ''}`,
    `days ${r.firstDay ?? '-'}${r.lastDay && r.lastDay !== r.firstDay ? ` … ${r.lastDay}` : ''}, sha256 ${r.fileSha256.slice(0, 16)}…`,
    '',
    table([
      ['', 'count'],
      ['bill rows', String(r.rows)],
      ['  of which refunds', String(r.refunds)],
      ...(r.declaredRows !== null ? [['  the bill declares', String(r.declaredRows)]] : []),
      ['matched by order number', String(r.matched)],
      ['fuzzy matched (to confirm)', String(r.fuzzyMatched)],
      ['paid, no order (漏单)', String(r.unmatchedPayments)],
      ['order paid, not in bill', String(r.unmatchedOrders)],
      ...(r.rejectedRowsTotal > 0 ? [['rows that could not be read', String(r.rejectedRowsTotal)]] : []),
    ]),
  ];
  if (r.rejectedRows.length > 0) {
    lines.push('', ...r.rejectedRows.map((row) => `line ${row.line}: ${row.message}`));
    if (r.rejectedRowsTotal > r.rejectedRows.length)
      lines.push(`… and ${r.rejectedRowsTotal - r.rejectedRows.length} more`);
  }
  const worst = [...result.storeResults]
    .filter((s) => s.unmatchedPayments + s.unmatchedOrders > 0)
    .sort((a, b) => b.unmatchedPayments - a.unmatchedPayments || b.unmatchedOrders - a.unmatchedOrders)
    .slice(0, 10);
  if (worst.length > 0) {
    lines.push(
      '',
      table([
        ['store', 'day', 'payments', 'orders', 'no order', 'not in bill', 'rate'],
        ...worst.map((s) => [
          s.storeId,
          s.day,
          String(s.paymentsTotal),
          String(s.ordersTotal),
          String(s.unmatchedPayments),
          String(s.unmatchedOrders),
          s.paymentsTotal === 0 ? '-' : `${((s.unmatchedPayments / s.paymentsTotal) * 100).toFixed(1)}%`,
        ]),
      ]),
    );
  }
  if (r.fuzzyMatched + r.unmatchedPayments + r.unmatchedOrders > 0) {
    lines.push(
      '',
      'Review them in the pending pool: GET /v1/reconciliation/pending (dashboard: Reconciliation).',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function importBillCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseImportBillArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`orderpulse import-bill: ${error.message}\n\n${IMPORT_BILL_USAGE}\n`);
    return 2;
  }
  const config = loadConfig(io.env);
  const db = await (
    io.openDb ??
    ((c: Config) =>
      openDatabase({ databaseUrl: c.databaseUrl, schema: c.databaseSchema, dataDir: c.dataDir }))
  )(config);
  const progress = progressPrinter(io.stderr);
  try {
    const result = await importBillFile(db, {
      provider: parsed.provider,
      filePath: parsed.file,
      fileName: basename(parsed.file),
      actor: 'cli',
      now: (io.now ?? Date.now)(),
      timeZone: config.timeZone,
      limits: { ...DEFAULT_BILL_LIMITS, maxBytes: config.billMaxBytes },
      ...(parsed.tail !== undefined && { tailLength: parsed.tail }),
      ...(parsed.windowMin !== undefined && { windowMs: parsed.windowMin * 60_000 }),
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    if (parsed.json) {
      const r = result.record;
      io.stdout.write(
        `${JSON.stringify({
          import_id: r.id,
          already_imported: result.alreadyImported,
          rows: r.rows,
          matched: r.matched,
          fuzzy_matched: r.fuzzyMatched,
          unmatched_payments: r.unmatchedPayments,
          unmatched_orders: r.unmatchedOrders,
          rejected_rows: r.rejectedRows,
          rejected_rows_total: r.rejectedRowsTotal,
        })}\n`,
      );
    } else io.stdout.write(summaryText(result, parsed.file));
    return 0;
  } catch (error) {
    progress.done();
    if (
      error instanceof BillFormatError ||
      error instanceof BillEncodingError ||
      error instanceof BillLimitError
    ) {
      io.stderr.write(`orderpulse import-bill: ${parsed.file}: ${error.message}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr.write(`orderpulse import-bill: ${parsed.file}: no such file\n`);
      return 1;
    }
    throw error;
  } finally {
    if (!io.openDb) await db.close();
  }
}
