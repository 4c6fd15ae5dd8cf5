import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Alert, LiveAlertEvent } from '../../collector/src/live/events.ts';
import AlertBoard from '../src/components/AlertBoard.svelte';
import {
  applyAlertEvent,
  boardFromAlerts,
  compareAlerts,
  FADE_MS,
  pruneFaded,
} from '../src/lib/alert-board.ts';
import { createTranslator, labelFor } from '../src/lib/i18n.ts';

const T0 = Date.parse('2026-11-11T10:00:00Z');

function alert(
  id: string,
  severity: Alert['severity'],
  startedMinAgo: number,
  extra: Partial<Alert> = {},
): Alert {
  const started = new Date(T0 - startedMinAgo * 60_000).toISOString();
  return {
    id,
    rule: 'order_stalled',
    severity,
    status: 'firing',
    entity_type: 'order',
    entity_id: `O-${id}`,
    store_id: 'S001',
    summary: `alert ${id}`,
    labels: {},
    started_at: started,
    updated_at: started,
    resolved_at: null,
    summary_zh: '',
    summary_message: null,
    rule_name: '',
    acknowledged_at: null,
    acknowledged_by: null,
    ack_note: null,
    ...extra,
  };
}

const ev = (transition: LiveAlertEvent['transition'], a: Alert): LiveAlertEvent => ({
  transition,
  alert: a,
  at: T0,
});

describe('alert ordering', () => {
  it('puts critical before warning before info, and the newest first within a severity', () => {
    const alerts = [
      alert('w-old', 'warning', 30),
      alert('i-new', 'info', 1),
      alert('c-old', 'critical', 50),
      alert('w-new', 'warning', 2),
      alert('c-new', 'critical', 5),
    ];
    expect([...alerts].sort(compareAlerts).map((a) => a.id)).toEqual([
      'c-new',
      'c-old',
      'w-new',
      'w-old',
      'i-new',
    ]);
  });

  it('keeps the board ordered as alerts open and change', () => {
    let board = boardFromAlerts([alert('a', 'warning', 10)], T0);
    board = applyAlertEvent(board, ev('opened', alert('b', 'critical', 1)), T0);
    board = applyAlertEvent(board, ev('opened', alert('c', 'warning', 1)), T0);
    expect(board.map((e) => e.alert.id)).toEqual(['b', 'c', 'a']);
    board = applyAlertEvent(board, ev('changed', alert('a', 'critical', 10, { status: 'acknowledged' })), T0);
    expect(board.map((e) => e.alert.id)).toEqual(['b', 'a', 'c']);
    expect(board.find((e) => e.alert.id === 'a')?.alert.status).toBe('acknowledged');
    expect(board).toHaveLength(3);
  });
});

describe('the board lists what the wall counts', () => {
  it('leaves out info alerts, from the snapshot and from the stream', () => {
    let board = boardFromAlerts([alert('w', 'warning', 3), alert('i', 'info', 2)], T0);
    board = applyAlertEvent(board, ev('opened', alert('i2', 'info', 1)), T0);
    expect(board.map((e) => e.alert.id)).toEqual(['w']);
  });
});

describe('resolved alerts fade out on their own', () => {
  it('keeps a resolved alert, marked, until the fade has run, then drops it', () => {
    let board = boardFromAlerts([alert('a', 'critical', 3), alert('b', 'warning', 3)], T0);
    const resolvedAt = T0 + 1000;
    board = applyAlertEvent(
      board,
      ev(
        'resolved',
        alert('a', 'critical', 3, { status: 'resolved', resolved_at: new Date(resolvedAt).toISOString() }),
      ),
      resolvedAt,
    );
    expect(board.find((e) => e.alert.id === 'a')?.resolvedSeenAt).toBe(resolvedAt);
    expect(pruneFaded(board, resolvedAt + FADE_MS - 1).map((e) => e.alert.id)).toEqual(['a', 'b']);
    expect(pruneFaded(board, resolvedAt + FADE_MS).map((e) => e.alert.id)).toEqual(['b']);
  });

  it('a second resolve does not restart the fade; a resolve for an unknown alert adds nothing', () => {
    let board = boardFromAlerts([alert('a', 'critical', 3)], T0);
    board = applyAlertEvent(
      board,
      ev('resolved', alert('a', 'critical', 3, { status: 'resolved' })),
      T0 + 1000,
    );
    board = applyAlertEvent(
      board,
      ev('resolved', alert('a', 'critical', 3, { status: 'resolved' })),
      T0 + 5000,
    );
    expect(board[0]?.resolvedSeenAt).toBe(T0 + 1000);
    expect(applyAlertEvent(board, ev('resolved', alert('zz', 'info', 1)), T0)).toHaveLength(1);
  });

  it('returns the same array when nothing faded (no needless re-render)', () => {
    const board = boardFromAlerts([alert('a', 'critical', 3)], T0);
    expect(pruneFaded(board, T0 + 10 * FADE_MS)).toBe(board);
  });

  it('renders open alerts with their open duration and resolved ones as fading', () => {
    let board = boardFromAlerts([alert('a', 'warning', 3), alert('b', 'critical', 65)], T0);
    board = applyAlertEvent(board, ev('resolved', alert('a', 'warning', 3, { status: 'resolved' })), T0);
    render(AlertBoard, {
      entries: board,
      now: T0,
      max: 8,
      t: createTranslator('en'),
      label: (p: string, n: string) => labelFor('en', p, n),
    });
    const rows = screen.getAllByTestId('wall-alert');
    expect(rows.map((r) => r.dataset.alertId)).toEqual(['b', 'a']);
    expect(rows[0]!.textContent).toContain('1 h 5 min');
    expect(rows[0]!.textContent).toContain('O-b · S001');
    expect(rows[0]!.classList.contains('resolved')).toBe(false);
    expect(rows[1]!.classList.contains('resolved')).toBe(true);
    expect(rows[1]!.textContent).toContain('resolved');
  });

  it('shows what fits and counts the rest', () => {
    const board = boardFromAlerts(
      Array.from({ length: 11 }, (_, i) => alert(`x${i}`, 'warning', i + 1)),
      T0,
    );
    render(AlertBoard, {
      entries: board,
      now: T0,
      max: 8,
      t: createTranslator('en'),
      label: (p: string, n: string) => labelFor('en', p, n),
    });
    expect(screen.getAllByTestId('wall-alert')).toHaveLength(8);
    expect(screen.getByText('+3 more')).toBeTruthy();
  });
});
