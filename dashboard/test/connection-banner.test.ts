import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ConnectionBanner from '../src/components/ConnectionBanner.svelte';
import { createTranslator } from '../src/lib/i18n.ts';

const t = createTranslator('en');

describe('disconnected banner', () => {
  it('is shown while reconnecting, with the age of the last data, and goes away once live', async () => {
    const { rerender } = render(ConnectionBanner, {
      connection: 'reconnecting',
      lastMessageAt: 1_000,
      now: 1_000 + 3 * 60_000 + 5_000,
      t,
    });
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain('Disconnected — reconnecting');
    expect(banner.textContent).toContain('last data 3 min ago');

    await rerender({ connection: 'live', lastMessageAt: 1_000, now: 200_000, t });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says connecting before the first connection and nothing when the token was refused', async () => {
    const { rerender } = render(ConnectionBanner, {
      connection: 'connecting',
      lastMessageAt: null,
      now: 0,
      t,
    });
    expect(screen.getByRole('alert').textContent).toContain('Connecting');
    // A refused token is not a transport problem: the wall shows a sign-in notice instead.
    await rerender({ connection: 'refused', lastMessageAt: null, now: 0, t });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
