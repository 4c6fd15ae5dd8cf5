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

/** The entries of the map at `path` with their scalar values as text ([] when absent). */
export function mapAt(doc: Document, path: Path): [string, string][] {
  const node = doc.getIn(path, true);
  if (!isMap(node)) return [];
  return (node as YAMLMap).items.map((pair) => [
    isScalar(pair.key) ? String(pair.key.value) : String(pair.key),
    isScalar(pair.value) && pair.value.value !== null ? String(pair.value.value) : '',
  ]);
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

/**
 * An empty list of entries removes the map; otherwise each entry is written where it changed and
 * names no longer listed are removed, so the map keeps its layout and comments.
 */
export function setMap(doc: Document, path: Path, entries: readonly (readonly [string, string])[]): void {
  const current = mapAt(doc, path);
  const same =
    current.length === entries.length &&
    current.every(([name, value], i) => name === entries[i]![0] && value === entries[i]![1]);
  if (same) return;
  if (entries.length === 0) {
    doc.deleteIn(path);
    return;
  }
  const names = new Set(entries.map(([name]) => name));
  for (const [name] of current) if (!names.has(name)) doc.deleteIn([...path, name]);
  for (const [name, value] of entries) {
    if (textAt(doc, [...path, name]) === value && doc.hasIn([...path, name])) continue;
    ensureMaps(doc, [...path, name]);
    doc.setIn([...path, name], value);
  }
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

/** "team=payments, tier=gold" → [["team", "payments"], ["tier", "gold"]]: labels typed into one input. */
export function splitLabels(text: string): [string, string][] {
  return text
    .split(/[,，、]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, ''] : [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
    });
}

/** The labels as they are typed: `name=value`, comma separated. */
export const joinLabels = (labels: readonly (readonly [string, string])[]): string =>
  labels.map(([name, value]) => `${name}=${value}`).join(', ');

/** "a, b  c" → ["a", "b", "c"]: how a list of store ids is typed into one input. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,，、]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
