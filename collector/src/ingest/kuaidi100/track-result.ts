// The tracking result Kuaidi100 sends both in a push (`lastResult`) and as the query API's reply:
// {com, nu, state, ischeck, data: [{time, ftime, context, areaName, status, statusCode, …}]}, the
// full history every time. Each checkpoint becomes one CarrierUpdate whose id depends only on the
// checkpoint itself (carrier, number, time, text), so the same checkpoint pushed again, or seen
// again by polling, is a duplicate under the store's (source, id) key and adds nothing.
import { createHash } from 'node:crypto';
import type { CarrierUpdate } from '../../domain/shipments/carrier-update.ts';
import { parseRfc3339Instant } from '../event-time.ts';
import { Kuaidi100Error } from './errors.ts';
import { type Kuaidi100State, kuaidi100StateByCode, kuaidi100StateByName } from './states.ts';

/** Pushes and polls share this source, so a checkpoint seen both ways is stored once. */
export const KUAIDI100_SOURCE = 'kuaidi100';

export interface Kuaidi100TrackResult {
  carrier: string;
  trackingNo: string;
  /** The shipment's overall state, when Kuaidi100 gave a known one. */
  state?: Kuaidi100State;
  /** `ischeck=1`: signed for; Kuaidi100 tracks no further. */
  signed: boolean;
  /** One per checkpoint, oldest first. */
  updates: CarrierUpdate[];
}

// Kuaidi100 formats times in China Standard Time without an offset.
const FTIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

export function parseKuaidi100Time(text: string): number | undefined {
  const m = FTIME.exec(text.trim());
  if (!m) return undefined;
  // Calendar-checked: Date.parse would move 2024-02-30 to 1 March rather than refuse it.
  return parseRfc3339Instant(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}+08:00`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function requiredString(record: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(record, key)?.trim();
  if (!value) throw new Kuaidi100Error('malformed', `${where}.${key} is missing`);
  // PostgreSQL text cannot hold U+0000: an identifier carrying one makes the push unusable (400),
  // where storing it would fail the commit (5xx).
  if (value.includes('\u0000')) throw new Kuaidi100Error('malformed', `${where}.${key} contains U+0000`);
  return value;
}

/** Display text (checkpoint wording, place names) loses any U+0000 rather than the checkpoint. */
const withoutNul = (text: string) => text.replaceAll('\u0000', '');

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** Deterministic, at most 128 characters (the contract's id limit). */
export function kuaidi100CheckpointId(
  carrier: string,
  trackingNo: string,
  time: string,
  context: string,
): string {
  const id = `${carrier}:${trackingNo}:${time.replace(/\D/g, '')}:${shortHash(context)}`;
  return id.length <= 128
    ? id
    : `${KUAIDI100_SOURCE}:${shortHash(`${carrier}\n${trackingNo}\n${time}\n${context}`)}`;
}

function locationOf(item: Record<string, unknown>, context: string): string | undefined {
  const explicit =
    withoutNul(optionalString(item, 'location') ?? '').trim() ||
    withoutNul(optionalString(item, 'areaName') ?? '').trim();
  if (explicit) return explicit;
  return /【([^】]+)】/.exec(context)?.[1];
}

export function parseKuaidi100TrackResult(value: unknown, where = 'lastResult'): Kuaidi100TrackResult {
  if (!isRecord(value)) throw new Kuaidi100Error('malformed', `${where} is not an object`);
  const carrier = requiredString(value, 'com', where).toLowerCase();
  const trackingNo = requiredString(value, 'nu', where);
  const stateCode = optionalString(value, 'state');
  const state = stateCode === undefined ? undefined : kuaidi100StateByCode(stateCode);
  const data = value.data ?? [];
  if (!Array.isArray(data)) throw new Kuaidi100Error('malformed', `${where}.data is not an array`);

  const timed = data.map((item, index) => {
    const at = `${where}.data[${index}]`;
    if (!isRecord(item)) throw new Kuaidi100Error('malformed', `${at} is not an object`);
    const time = optionalString(item, 'ftime')?.trim() || optionalString(item, 'time')?.trim() || '';
    const occurredAt = parseKuaidi100Time(time);
    if (occurredAt === undefined)
      throw new Kuaidi100Error('malformed', `${at}.ftime is not a time: "${time}"`);
    return { item, time, occurredAt };
  });
  // Newest first on the wire; `order=asc` queries reverse it, so sort rather than trust the order.
  timed.sort((a, b) => a.occurredAt - b.occurredAt);
  const newest = timed.at(-1);

  const updates = timed.map(({ item, time, occurredAt }): CarrierUpdate => {
    const context = withoutNul(optionalString(item, 'context') ?? '');
    const statusCode = optionalString(item, 'statusCode');
    const statusName = optionalString(item, 'status');
    // Per-checkpoint state: the advanced code, else the state name (resultv2), else — for the
    // newest checkpoint only — the shipment's overall state; older checkpoints without either are
    // taken as in transit.
    const known =
      (statusCode === undefined ? undefined : kuaidi100StateByCode(statusCode)) ??
      (statusName === undefined ? undefined : kuaidi100StateByName(statusName)) ??
      (item === newest?.item ? state : undefined);
    const update: CarrierUpdate = {
      type: 'shipment.update',
      id: kuaidi100CheckpointId(carrier, trackingNo, time, context),
      source: KUAIDI100_SOURCE,
      occurredAt,
      carrier,
      trackingNo,
      state: known?.state ?? 'in_transit',
      providerText: context,
    };
    if (known) update.providerCode = known.code;
    const location = locationOf(item, context);
    if (location !== undefined) update.location = location;
    return update;
  });

  const result: Kuaidi100TrackResult = {
    carrier,
    trackingNo,
    signed: optionalString(value, 'ischeck') === '1',
    updates,
  };
  if (state) result.state = state;
  return result;
}
