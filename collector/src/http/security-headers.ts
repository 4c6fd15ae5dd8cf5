// Response headers that keep browsers from misreading what the collector serves: no MIME sniffing,
// a Content-Security-Policy the built dashboard runs under (its own scripts and styles, Svelte's
// inline style attributes, the Socket.IO connection to the same origin), no Referer leaving the
// page (a wall display's URL carries its token), and no framing of the dashboard. Helmet sets them;
// its defaults are kept except where they would break a plain-HTTP install or belong to the proxy.
//
// Helmet itself, not its fastify plugin: @fastify/helmet 13 builds helmet's middleware anew for
// every request (options parsed, CSP directives validated), which a CPU profile of the collector at
// 200 ingest requests a second put at ~65 µs a request. Built once here, the headers are the same.
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export function registerSecurityHeaders(server: FastifyInstance): void {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        'frame-ancestors': ["'none'"],
        // A collector on a LAN address without TLS would have every asset rewritten to https.
        'upgrade-insecure-requests': null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS is for the TLS terminator in front (README "Security") to decide, for its own domain.
    strictTransportSecurity: false,
  });
  server.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}
