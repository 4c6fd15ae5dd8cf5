// A page whose endpoint this collector does not serve (yet) shows an empty state, not a crash.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { render, screen } from '@testing-library/svelte';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../src/lib/api.ts';
import { APP_CONTEXT_KEY, makeAppContext } from '../src/lib/app-context.ts';
import { createTranslator } from '../src/lib/i18n.ts';
import Reconciliation from '../src/pages/Reconciliation.svelte';
import Rules from '../src/pages/Rules.svelte';

let server: Server;
let base: string;

beforeAll(async () => {
  // Answers like the collector's not-found handler for a route it does not have.
  server = createServer((req, res) => {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, accept, content-type');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return;
    }
    res.end(JSON.stringify({ error: 'not_found', message: `${req.method} ${req.url} was not found` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

function context() {
  const t = createTranslator('en');
  return new Map([[APP_CONTEXT_KEY, makeAppContext('en', t, createApi('tok', undefined, base))]]);
}

describe('endpoints that do not exist yet', () => {
  it('the rules page shows "not available" instead of failing', async () => {
    render(Rules, { context: context() });
    expect((await screen.findByTestId('unavailable')).textContent).toContain(
      'not available on this server yet',
    );
    expect(screen.queryByTestId('rules-table')).toBeNull();
  });

  it('the reconciliation pool does the same', async () => {
    render(Reconciliation, { context: context() });
    expect((await screen.findByTestId('unavailable')).textContent).toContain('not available');
  });
});
