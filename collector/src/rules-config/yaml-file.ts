// Parses one rule file's text into a root Cursor, turning YAML syntax errors and an oversized file
// into load errors with positions.
import { LineCounter, type Node, parseDocument } from 'yaml';
import type { LoadError } from './load-error.ts';
import { FileContext } from './yaml-context.ts';
import { Cursor } from './yaml-cursor.ts';

const MAX_FILE_BYTES = 1 << 20;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface YamlFile {
  readonly file: string;
  readonly errors: LoadError[];
  /** The root, or undefined when the document is empty or could not be parsed. */
  readonly root: Cursor;
  /** False when the YAML syntax itself was broken; the root is then empty. */
  readonly parsed: boolean;
}

export function readYamlFile(file: string, text: string): YamlFile {
  const errors: LoadError[] = [];
  const lines = new LineCounter();
  // YAML allows no U+0000, but the parser keeps it in strings; the store could not keep such a text.
  // Nor can it keep a lone UTF-16 surrogate (only a text sent to the API can have one).
  const nul = text.indexOf('\u0000');
  const tooLarge = Buffer.byteLength(text) > MAX_FILE_BYTES;
  const malformed = LONE_SURROGATE.test(text);
  if (tooLarge || nul >= 0 || malformed) {
    if (tooLarge) errors.push({ file, field: '', message: `file is larger than ${MAX_FILE_BYTES} bytes` });
    else if (malformed) errors.push({ file, field: '', message: 'is not valid Unicode (a lone surrogate)' });
    else {
      const before = text.slice(0, nul).split('\n');
      const line = before.length;
      const column = (before[line - 1]?.length ?? 0) + 1;
      errors.push({ file, field: '', message: 'contains the character U+0000', line, column });
    }
    const empty = parseDocument('', { lineCounter: lines });
    return {
      file,
      errors,
      root: new Cursor(new FileContext(file, empty, lines, errors, ''), undefined),
      parsed: false,
    };
  }
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const context = new FileContext(file, doc, lines, errors, text);
  for (const problem of doc.errors) {
    const pos = lines.linePos(problem.pos[0]);
    const message =
      problem.code === 'DUPLICATE_KEY'
        ? `duplicate key "${/^[^:\s]*/.exec(text.slice(problem.pos[0]))?.[0] ?? ''}"`
        : `invalid YAML (${problem.code}): ${problem.message}`;
    errors.push({ file, field: '', message, line: pos.line, column: pos.col });
  }
  const parsed = doc.errors.length === 0;
  const contents = parsed ? ((doc.contents ?? undefined) as Node | undefined) : undefined;
  return { file, errors, root: new Cursor(context, contents), parsed };
}
