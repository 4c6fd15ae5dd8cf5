// The alerting clock on a virtual clock: it wakes at the engine's next deadline rather than on the
// period, re-arms when an earlier deadline appears, keeps the period when no deadline is near, and
// does not wake again for a deadline the running tick has yet to pop.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TickLoop } from '../../src/alerting/tick-loop.ts';

const START = 1_000_000;

function setup(periodMs: number) {
  let due: number | undefined;
  const ticks: number[] = [];
  let finishTick: (() => void) | undefined;
  let holdTicks = false;
  const loop = new TickLoop(
    () => {
      ticks.push(Date.now());
      if (due !== undefined && due <= Date.now()) due = undefined;
      if (!holdTicks) return Promise.resolve();
      return new Promise<void>((resolve) => {
        finishTick = resolve;
      });
    },
    { now: () => Date.now(), earliestDueAt: () => due },
    undefined,
    undefined,
  );
  loop.start(periodMs);
  return {
    loop,
    ticks,
    setDue(at: number | undefined) {
      due = at;
    },
    hold(on: boolean) {
      holdTicks = on;
    },
    finish() {
      finishTick?.();
    },
  };
}

describe('TickLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks once a period when no deadline is held', async () => {
    const { loop, ticks } = setup(1_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(ticks).toEqual([START + 1_000, START + 2_000, START + 3_000]);
    loop.stop();
  });

  it('wakes at a deadline between periods, re-armed when an earlier one is added', async () => {
    const { loop, ticks, setDue } = setup(60_000);
    setDue(START + 5_000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(2_000);
    setDue(START + 3_000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ticks).toEqual([START + 3_000]);
    // A later deadline leaves the earlier timer alone; nothing else wakes before the period.
    setDue(START + 20_000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(ticks).toEqual([START + 3_000, START + 20_000]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ticks).toEqual([START + 3_000, START + 20_000, START + 80_000]);
    loop.stop();
  });

  it('does not spin on a deadline its running tick has yet to pop, and wakes for a later one', async () => {
    const { loop, ticks, setDue, hold, finish } = setup(60_000);
    hold(true);
    setDue(START + 1_000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ticks).toEqual([START + 1_000]);
    // The tick is still running; the head stays due until it pops it.
    setDue(START + 1_000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(500);
    expect(ticks).toEqual([START + 1_000]);
    setDue(START + 1_700);
    loop.wake();
    await vi.advanceTimersByTimeAsync(500);
    expect(ticks).toEqual([START + 1_000, START + 1_700]);
    hold(false);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    loop.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ticks).toEqual([START + 1_000, START + 1_700]);
  });
});
