// Small edits on a parsed YAML document (the `yaml` package's Document API): a value is written only
// when it differs from what the file says, so an unchanged form gives back the file byte for byte,
// and comments, key order and quoting of everything else stay as the author wrote them.
import { type Document, isCollection, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';

export type Path = readonly (string | number)[];

/** The scalar at `path` as text ('' when absent or not a scalar). */
export function textAt(doc: Document, path: Path): string {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || node.value === null || node.value === undefined) return '';
  return String(node.value);
}

/** The boolean at `path`, or null when the file does not say. */
export function booleanAt(doc: Document, path: Path): boolean | null {
  const node = doc.getIn(path, true);
  return isScalar(node) && typeof node.value === 'boolean' ? node.value : null;
}

/** The strings of the list at `path` ([] when absent). */
export function listAt(doc: Document, path: Path): string[] {
  const node = doc.getIn(path, true);
  if (!isSeq(node)) return [];
  return node.items.map((item) => (isScalar(item) ? String(item.value) : String(item)));
}

/** Makes sure every map on the way to `path`'s parent exists (a `rules:` with nothing under it is null). */
function ensureMaps(doc: Document, path: Path): void {
  for (let depth = 1; depth < path.length; depth++) {
    const prefix = path.slice(0, depth);
    const node = doc.getIn(prefix, true);
    if (!isCollection(node)) doc.setIn(prefix, doc.createNode({}));
  }
}

/** '' removes the key (the default applies again); anything else is written when it changed. */
export function setText(doc: Document, path: Path, value: string): void {
  const next = value.trim();
  if (next === textAt(doc, path)) return;
  if (next === '') {
    doc.deleteIn(path);
    return;
  }
  ensureMaps(doc, path);
  doc.setIn(path, next);
}

/** null removes the key. */
export function setBoolean(doc: Document, path: Path, value: boolean | null): void {
  if (value === booleanAt(doc, path) && (value !== null || !doc.hasIn(path))) return;
  if (value === null) {
    doc.deleteIn(path);
    return;
  }
  ensureMaps(doc, path);
  doc.setIn(path, value);
}

/** An empty list removes the key; a new list is written on one line (`[a, b]`). */
export function setList(doc: Document, path: Path, values: readonly string[]): void {
  const current = listAt(doc, path);
  if (current.length === values.length && current.every((v, i) => v === values[i])) return;
  if (values.length === 0) {
    doc.deleteIn(path);
    return;
  }
  ensureMaps(doc, path);
  const node = doc.createNode([...values]);
  node.flow = true;
  doc.setIn(path, node);
}

/** Removes the map at `path` when nothing is left in it, then its parent's, up to `keep` levels. */
export function pruneEmpty(doc: Document, path: Path, keep: number): void {
  for (let end = path.length; end > keep; end--) {
    const at = path.slice(0, end);
    const node = doc.getIn(at, true);
    if (!isMap(node) || (node as YAMLMap).items.length > 0) return;
    doc.deleteIn(at);
  }
}

/** "a, b  c" → ["a", "b", "c"]: how a list of store ids is typed into one input. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,，、]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
