// Rule-set versions (migration 0016): append-only, read newest first.
import type { RuleFiles } from '../rules-config/rule-files.ts';
import type { Queryable } from './database.ts';

export type RuleVersionSource = 'file' | 'api';

export interface RuleVersionInfo {
  version: string;
  hash: string;
  source: RuleVersionSource;
  author: string;
  /** Epoch ms. */
  at: number;
  note: string | undefined;
}

export interface RuleVersion extends RuleVersionInfo {
  files: RuleFiles;
}

export type NewRuleVersion = Omit<RuleVersion, 'version'>;

interface Row {
  version: string;
  hash: string;
  source: RuleVersionSource;
  author: string;
  at: Date;
  note: string | null;
  files?: RuleFiles;
}

const INFO = 'version, hash, source, author, at, note';

const info = (r: Row): RuleVersionInfo => ({
  version: r.version,
  hash: r.hash,
  source: r.source,
  author: r.author,
  at: r.at.getTime(),
  note: r.note ?? undefined,
});

const whole = (r: Row): RuleVersion => ({ ...info(r), files: r.files ?? {} });

/** Appends a version; its id is its sequence number and a prefix of its hash (readable, never reused). */
export async function insertRuleVersion(q: Queryable, v: NewRuleVersion): Promise<RuleVersion> {
  const { rows } = await q.query<Row>(
    `INSERT INTO rule_versions (seq, version, hash, source, author, at, note, files)
     SELECT n.seq, n.seq::text || '-' || left($1, 12), $1, $2, $3, $4, $5, $6
       FROM (SELECT nextval(pg_get_serial_sequence('rule_versions', 'seq')) AS seq) n
     RETURNING ${INFO}, files`,
    [v.hash, v.source, v.author, new Date(v.at).toISOString(), v.note ?? null, JSON.stringify(v.files)],
  );
  return whole(rows[0]!);
}

/** Newest first, without the files. */
export async function listRuleVersions(q: Queryable, limit: number): Promise<RuleVersionInfo[]> {
  const { rows } = await q.query<Row>(`SELECT ${INFO} FROM rule_versions ORDER BY seq DESC LIMIT $1`, [
    limit,
  ]);
  return rows.map(info);
}

export async function getRuleVersion(q: Queryable, version: string): Promise<RuleVersion | undefined> {
  const { rows } = await q.query<Row>(`SELECT ${INFO}, files FROM rule_versions WHERE version = $1`, [
    version,
  ]);
  return rows[0] && whole(rows[0]);
}

/** The newest version: the set in force unless the files changed since the newest `file` version. */
export async function latestRuleVersion(q: Queryable): Promise<RuleVersion | undefined> {
  const { rows } = await q.query<Row>(`SELECT ${INFO}, files FROM rule_versions ORDER BY seq DESC LIMIT 1`);
  return rows[0] && whole(rows[0]);
}

export async function latestFileRuleVersion(q: Queryable): Promise<RuleVersionInfo | undefined> {
  const { rows } = await q.query<Row>(
    `SELECT ${INFO} FROM rule_versions WHERE source = 'file' ORDER BY seq DESC LIMIT 1`,
  );
  return rows[0] && info(rows[0]);
}

/** The id of the newest version only (polled by every collector sharing the store). */
export async function newestRuleVersionId(q: Queryable): Promise<string | undefined> {
  const { rows } = await q.query<{ version: string }>(
    'SELECT version FROM rule_versions ORDER BY seq DESC LIMIT 1',
  );
  return rows[0]?.version;
}
