// Strict reading of one parsed YAML file. Every value is read through a Cursor that knows its
// file, rule and field path and its position, so that each problem is reported once, precisely,
// and reading continues to collect the rest (Alertmanager-style: parse strictly, then check).
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { MessageRef } from '../messages/format-message.ts';
import { parseDuration } from './duration.ts';
import { ObjectCursor } from './object-cursor.ts';
import { nameHint, problem } from './problem.ts';
import { closestName } from './spelling.ts';
import { describeNode, type FileContext } from './yaml-context.ts';

/** A position in the document: the node there (if present) and how to name it in errors. */
export class Cursor {
  readonly #context: FileContext;
  readonly #node: Node | undefined;
  /** Where to point when this value is missing: the enclosing map. */
  readonly #anchor: Node | undefined;
  readonly field: string;
  readonly rule: string | undefined;

  constructor(context: FileContext, node: Node | undefined, field = '', rule?: string, anchor?: Node) {
    this.#context = context;
    this.#node =
      node !== undefined && isAlias(node) ? ((node.resolve(context.doc) as Node | undefined) ?? node) : node;
    this.#anchor = anchor;
    this.field = field;
    this.rule = rule;
  }

  get file(): string {
    return this.#context.file;
  }

  /** True when the key was written, even if its value is `null`. */
  get present(): boolean {
    return this.#node !== undefined;
  }

  /** True when the value is absent or an explicit YAML null (`~`, `null`, empty). */
  get isNull(): boolean {
    return this.#node === undefined || (isScalar(this.#node) && this.#node.value === null);
  }

  /** A cursor that reports errors under the given rule name; field paths restart inside it. */
  forRule(rule: string): Cursor {
    return new Cursor(this.#context, this.#node, '', rule, this.#anchor);
  }

  /** Records a problem with this value (or, if it is missing, at the enclosing map). */
  error(message: MessageRef, field = this.field): void {
    this.#context.report(this.#node ?? this.#anchor, this.rule, field, message);
  }

  /** The 1-based line and column of this value, for positions inside strings. */
  position(): { line: number; column: number } | undefined {
    const offset = (this.#node ?? this.#anchor)?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = this.#context.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  /**
   * Reports a problem at a 1-based line/column inside this string's value, pointing into the file
   * where the value maps onto the source one to one; elsewhere at the value's start.
   */
  errorInValue(message: MessageRef, line: number, column: number): void {
    const offset =
      this.#context.offsetInValue(this.#node, line, column) ?? (this.#node ?? this.#anchor)?.range?.[0];
    this.#context.reportAt(offset, this.rule, this.field, message);
  }

  /** Marks a required value: reports it when missing and returns false. */
  required(): boolean {
    if (this.isNull) {
      this.error(problem(this.present ? 'ruleError.empty' : 'ruleError.required'));
      return false;
    }
    return true;
  }

  private describe(): MessageRef[] {
    return describeNode(this.#node);
  }

  /**
   * Reads a mapping; every key not in `allowed` is an error. Returns undefined when not a mapping.
   * With `extensions`, keys starting with `x-` are skipped: they hold YAML anchors for reuse
   * (as in Docker Compose), and only a file's top level offers them.
   */
  object(allowed: readonly string[], options: { extensions?: boolean } = {}): ObjectCursor | undefined {
    const node = this.#node;
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.error(problem('ruleError.notMapping', { actual: this.describe() }));
      return undefined;
    }
    const entries = new Map<string, Cursor>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = keyNode !== null && isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string') {
        this.#context.report(keyNode ?? node, this.rule, this.field, problem('ruleError.keyNotString'));
        continue;
      }
      const field = join(this.field, key);
      if (options.extensions === true && key.startsWith('x-')) continue;
      if (!allowed.includes(key)) {
        const hint = nameHint(closestName(key, allowed), allowed);
        this.#context.report(
          keyNode ?? node,
          this.rule,
          field,
          problem('ruleError.unknownKey', { key, hint }),
        );
        continue;
      }
      const value = (pair.value as Node | null) ?? undefined;
      entries.set(key, new Cursor(this.#context, value, field, this.rule, keyNode ?? node));
    }
    return new ObjectCursor(
      this.field,
      this.rule,
      entries,
      (key) => new Cursor(this.#context, undefined, join(this.field, key), this.rule, node),
      (message, field) => this.#context.report(node, this.rule, field, message),
    );
  }

  /** The value under `key` if this is a mapping that has it; reports nothing either way. */
  peek(key: string): Cursor | undefined {
    const node = this.#node;
    if (node === undefined || !isMap(node)) return undefined;
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (keyNode !== null && isScalar(keyNode) && keyNode.value === key) {
        const value = (pair.value as Node | null) ?? undefined;
        return new Cursor(this.#context, value, join(this.field, key), this.rule, keyNode);
      }
    }
    return undefined;
  }

  /** Reads a mapping with free-form keys (store ids, label names); the caller checks the keys. */
  entries(): Array<[string, Cursor]> | undefined {
    const node = this.#node;
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.error(problem('ruleError.notMapping', { actual: this.describe() }));
      return undefined;
    }
    const out: Array<[string, Cursor]> = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = keyNode !== null && isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.#context.report(keyNode ?? node, this.rule, this.field, problem('ruleError.keyNotString'));
        continue;
      }
      const name = String(key);
      const value = (pair.value as Node | null) ?? undefined;
      out.push([name, new Cursor(this.#context, value, join(this.field, name), this.rule, keyNode ?? node)]);
    }
    return out;
  }

  list(): Cursor[] | undefined {
    const node = this.#node;
    if (node === undefined) return undefined;
    if (!isSeq(node)) {
      this.error(problem('ruleError.notList', { actual: this.describe() }));
      return undefined;
    }
    return node.items.map(
      (item, index) =>
        new Cursor(
          this.#context,
          (item as Node | null) ?? undefined,
          `${this.field}[${index}]`,
          this.rule,
          node,
        ),
    );
  }

  private scalar(): unknown {
    const node = this.#node;
    return node !== undefined && isScalar(node) ? node.value : undefined;
  }

  /** The value if it is a string scalar, without reporting anything otherwise. */
  peekString(): string | undefined {
    const value = this.scalar();
    return typeof value === 'string' ? value : undefined;
  }

  string(): string | undefined {
    if (this.#node === undefined) return undefined;
    const value = this.scalar();
    if (typeof value !== 'string') {
      this.error(problem('ruleError.notString', { actual: this.describe() }));
      return undefined;
    }
    return value;
  }

  /** A string that is also non-empty and at most `maxLength` characters. */
  name(maxLength = 64): string | undefined {
    const value = this.string();
    if (value === undefined) return undefined;
    if (value.trim() === '') {
      this.error(problem('ruleError.empty'));
      return undefined;
    }
    if (value.length > maxLength) {
      this.error(problem('ruleError.tooLong', { max: String(maxLength) }));
      return undefined;
    }
    return value;
  }

  number(): number | undefined {
    if (this.#node === undefined) return undefined;
    const value = this.scalar();
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.error(problem('ruleError.notNumber', { actual: this.describe() }));
      return undefined;
    }
    return value;
  }

  integer(min: number, max: number): number | undefined {
    const value = this.number();
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.error(
        problem('ruleError.notInteger', { min: String(min), max: String(max), value: String(value) }),
      );
      return undefined;
    }
    return value;
  }

  boolean(): boolean | undefined {
    if (this.#node === undefined) return undefined;
    const value = this.scalar();
    if (typeof value !== 'boolean') {
      this.error(problem('ruleError.notBoolean', { actual: this.describe() }));
      return undefined;
    }
    return value;
  }

  /** A duration such as "2m"; `positive` rejects zero. */
  duration(options: { positive: boolean }): number | undefined {
    if (this.#node === undefined) return undefined;
    const value = this.scalar();
    if (typeof value === 'number') {
      this.error(problem('ruleError.durationIsNumber', { value: String(value) }));
      return undefined;
    }
    const text = this.string();
    if (text === undefined) return undefined;
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      this.error(problem('ruleError.notDuration', { reason: [parsed.problem] }));
      return undefined;
    }
    if (options.positive && parsed.ms === 0) {
      this.error(problem('ruleError.zeroDuration'));
      return undefined;
    }
    return parsed.ms;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(choices: readonly T[]): T | undefined {
    const value = this.string();
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) {
      const guess = closestName(value, choices);
      const hint = guess === undefined ? [] : [problem('ruleWord.didYouMeanAside', { name: guess })];
      this.error(problem('ruleError.notOneOf', { choices: choices.join(', '), value, hint }));
      return undefined;
    }
    return value as T;
  }

  /** A list of strings, each checked by `item` (which reports its own errors). */
  stringList(item: (cursor: Cursor) => string | undefined = (cursor) => cursor.name()): string[] | undefined {
    const items = this.list();
    if (items === undefined) return undefined;
    const out: string[] = [];
    for (const cursor of items) {
      const value = item(cursor);
      if (value === undefined) continue;
      if (out.includes(value)) cursor.error(problem('ruleError.listedTwice', { value }));
      else out.push(value);
    }
    return out;
  }
}

function join(field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`;
}
