// The tokens file (ORDERPULSE_TOKENS_FILE): YAML text → token entries, or every problem found, each
// with its line and column. Pure: the reading and watching are in tokens-file-watcher.ts.
import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import type { Scope } from './scope.ts';
import type { Role } from './tokens.ts';

const MAX_FILE_BYTES = 1 << 20;
const ROLES: readonly Role[] = ['ingest', 'viewer', 'operator', 'admin'];
const ENTRY_KEYS = new Set(['name', 'role', 'secret', 'sha256', 'stores', 'regions', 'expires_at']);
/** RFC 3339 with an offset: a time without one would be read in whatever zone the server runs. */
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

export interface FileToken extends Scope {
  name: string;
  role: Role;
  /** SHA-256 of the secret: the file may hold only this, never the secret. */
  digest: Buffer;
  /** Epoch ms after which the token is refused; undefined: never. */
  expiresAt?: number;
}

export interface TokensFileProblem {
  message: string;
  line?: number;
  column?: number;
}

export type TokensFileResult =
  | { ok: true; tokens: FileToken[] }
  | { ok: false; problems: TokensFileProblem[] };

export const sha256Hex = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** `file:line:column: message`, as the logs and the start-up error print a problem. */
export function formatTokensFileProblem(file: string, p: TokensFileProblem): string {
  return p.line === undefined ? `${file}: ${p.message}` : `${file}:${p.line}:${p.column ?? 1}: ${p.message}`;
}

export function parseTokensFile(text: string): TokensFileResult {
  const problems: TokensFileProblem[] = [];
  if (Buffer.byteLength(text) > MAX_FILE_BYTES)
    return { ok: false, problems: [{ message: `file is larger than ${MAX_FILE_BYTES} bytes` }] };
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const at = (node: Node | null | undefined, message: string) => {
    const offset = node?.range?.[0];
    if (offset === undefined) problems.push({ message });
    else {
      const pos = lines.linePos(offset);
      problems.push({ message, line: pos.line, column: pos.col });
    }
  };
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({ message: `invalid YAML (${e.code}): ${e.message}`, line: pos.line, column: pos.col });
  }
  if (problems.length > 0) return { ok: false, problems };

  const root = doc.contents;
  if (!isMap(root)) {
    at(root, 'the file must be a mapping with a `tokens:` list');
    return { ok: false, problems };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'tokens') at(pair.key as Node, `unknown key "${key}" (the file has only \`tokens:\`)`);
  }
  const list = root.get('tokens', true) as Node | undefined;
  if (!isSeq(list)) {
    at(
      list ?? root,
      '`tokens` must be a list of {name, role, secret | sha256, stores?, regions?, expires_at?}',
    );
    return { ok: false, problems };
  }
  const tokens: FileToken[] = [];
  const names = new Set<string>();
  const digests = new Set<string>();
  list.items.forEach((item, i) => {
    const where = `tokens[${i}]`;
    if (!isMap(item)) {
      at(item as Node, `${where} must be a mapping`);
      return;
    }
    const token = readEntry(item, where, at);
    if (!token) return;
    if (names.has(token.name))
      at(item.get('name', true) as Node, `${where}: name "${token.name}" is used twice`);
    names.add(token.name);
    const hex = token.digest.toString('hex');
    if (digests.has(hex)) at(item, `${where}: the same secret is given to two tokens`);
    digests.add(hex);
    tokens.push(token);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tokens };
}

function readEntry(
  item: YAMLMap,
  where: string,
  at: (node: Node | null | undefined, message: string) => void,
): FileToken | undefined {
  let bad = false;
  const fail = (node: Node | null | undefined, message: string) => {
    bad = true;
    at(node, `${where}: ${message}`);
  };
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!ENTRY_KEYS.has(key))
      fail(pair.key as Node, `unknown field "${key}" (known: ${[...ENTRY_KEYS].join(', ')})`);
  }
  const node = (key: string) => item.get(key, true) as Node | undefined;
  const text = (key: string): string | undefined => {
    const n = node(key);
    if (n === undefined) return undefined;
    if (!isScalar(n) || typeof n.value !== 'string' || n.value.trim() === '') {
      fail(n, `${key} must be a non-empty string`);
      return undefined;
    }
    return n.value.trim();
  };
  const list = (key: string): string[] | undefined => {
    const n = node(key);
    if (n === undefined) return undefined;
    if (!isSeq(n) || n.items.length === 0) {
      fail(n, `${key} must be a non-empty list of strings`);
      return undefined;
    }
    const values: string[] = [];
    for (const v of n.items) {
      if (
        !isScalar(v) ||
        (typeof v.value !== 'string' && typeof v.value !== 'number') ||
        String(v.value) === ''
      )
        fail(v as Node, `${key} must be a non-empty list of strings`);
      else if (String(v.value).length > 64)
        fail(v as Node, `${key}: "${v.value}" is longer than 64 characters`);
      else values.push(String(v.value));
    }
    return values;
  };

  const name = text('name');
  if (node('name') === undefined) fail(item, 'name is required');
  else if (name !== undefined && name.length > 64) fail(node('name'), 'name is longer than 64 characters');
  const role = text('role');
  if (node('role') === undefined) fail(item, `role is required (one of ${ROLES.join(', ')})`);
  else if (role !== undefined && !ROLES.includes(role as Role))
    fail(node('role'), `role "${role}" is not one of ${ROLES.join(', ')}`);
  const secret = text('secret');
  const hash = text('sha256');
  let digest: Buffer | undefined;
  if (node('secret') !== undefined && node('sha256') !== undefined)
    fail(node('sha256'), 'give secret or sha256, not both');
  else if (node('secret') === undefined && node('sha256') === undefined)
    fail(item, 'secret or sha256 is required');
  else if (secret !== undefined) {
    if (secret.length < 8) fail(node('secret'), 'secret is shorter than 8 characters');
    else digest = Buffer.from(sha256Hex(secret), 'hex');
  } else if (hash !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(hash))
      fail(node('sha256'), 'sha256 must be the lowercase hex SHA-256 of the secret (64 characters 0-9a-f)');
    else digest = Buffer.from(hash, 'hex');
  }
  const stores = list('stores');
  const regions = list('regions');
  if (role === 'ingest' && (stores !== undefined || regions !== undefined))
    fail(
      node('stores') ?? node('regions'),
      'an ingest token cannot be scoped (scopes limit what a token sees)',
    );
  const expires = text('expires_at');
  let expiresAt: number | undefined;
  if (expires !== undefined) {
    expiresAt = Date.parse(expires);
    if (!RFC3339.test(expires) || Number.isNaN(expiresAt))
      fail(node('expires_at'), `expires_at must be an RFC 3339 time with an offset, got "${expires}"`);
  }
  if (bad || name === undefined || role === undefined || digest === undefined) return undefined;
  return {
    name,
    role: role as Role,
    digest,
    ...(stores !== undefined && { stores }),
    ...(regions !== undefined && { regions }),
    ...(expiresAt !== undefined && { expiresAt }),
  };
}
