// A mapping already checked against its allowed keys; missing keys read as absent cursors.
import type { MessageRef } from '../messages/format-message.ts';
import type { Cursor } from './yaml-cursor.ts';

export class ObjectCursor {
  readonly #entries: Map<string, Cursor>;
  readonly #missing: (key: string) => Cursor;
  readonly #report: (message: MessageRef, field: string) => void;
  readonly field: string;
  readonly rule: string | undefined;

  constructor(
    field: string,
    rule: string | undefined,
    entries: Map<string, Cursor>,
    /** A cursor for a key that is not written, pointing at this mapping. */
    missing: (key: string) => Cursor,
    /** Records a problem at this mapping. */
    report: (message: MessageRef, field: string) => void,
  ) {
    this.field = field;
    this.rule = rule;
    this.#entries = entries;
    this.#missing = missing;
    this.#report = report;
  }

  /** The value under `key`; a cursor with `present === false` when the key is not written. */
  get(key: string): Cursor {
    return this.#entries.get(key) ?? this.#missing(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  error(message: MessageRef, field = this.field): void {
    this.#report(message, field);
  }
}
