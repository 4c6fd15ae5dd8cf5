// Parses one rule file's text into a root Cursor, turning YAML syntax errors and an oversized file
// into load errors with positions.
import { LineCounter, type Node, parseDocument } from 'yaml';
import { fileError, type LoadError } from './load-error.ts';
import { problem } from './problem.ts';
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
    if (tooLarge)
      errors.push(fileError(file, problem('ruleError.fileTooLarge', { max: String(MAX_FILE_BYTES) })));
    else if (malformed) errors.push(fileError(file, problem('ruleError.loneSurrogate')));
    else {
      const before = text.slice(0, nul).split('\n');
      const line = before.length;
      const column = (before[line - 1]?.length ?? 0) + 1;
      errors.push(fileError(file, problem('ruleError.nulCharacter'), { line, column }));
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
  for (const found of doc.errors) {
    const pos = lines.linePos(found.pos[0]);
    const ref =
      found.code === 'DUPLICATE_KEY'
        ? problem('ruleError.duplicateKey', { key: /^[^:\s]*/.exec(text.slice(found.pos[0]))?.[0] ?? '' })
        : problem('ruleError.invalidYaml', { code: found.code, detail: found.message });
    errors.push(fileError(file, ref, { line: pos.line, column: pos.col }));
  }
  const parsed = doc.errors.length === 0;
  const contents = parsed ? ((doc.contents ?? undefined) as Node | undefined) : undefined;
  return { file, errors, root: new Cursor(context, contents), parsed };
}
