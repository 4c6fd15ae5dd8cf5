// A reply sent before the request's body was read (401 or 429 from the request guard, 413 on
// Content-Length) must reach a client that sends its whole body before reading anything, as
// Node's fetch and most HTTP libraries do without `Expect: 100-continue`. Node closes the socket
// as soon as such a reply is written whenever the response is the connection's last (fastify marks
// these replies `Connection: close`, and a client may have asked for `Connection: close` itself):
// it half-closes and then destroys the socket while the upload is still arriving, the kernel
// answers that data with a reset, and the client sees EPIPE/ECONNRESET instead of the reply, then
// retries a request that cannot succeed. Instead the response is written as one that keeps the
// connection, the rest of the body is read and thrown away ("lingering close"), within bounds so
// nobody can hold it open for long, and the connection is closed only once the body is in if the
// client asked for that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** For a refused caller with no valid credentials: long enough for a local upload to finish. */
const UNAUTHENTICATED_LINGER_MS = 2_000;
/** For a refused body (413, 415…): time for a client on a slow link to finish its upload. */
const REFUSED_BODY_LINGER_MS = 30_000;
/** Past this much discarded data the connection is closed regardless. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/** Early replies whose connection Node was kept from closing: whether to close it after the body. */
const lingering = new WeakMap<ServerResponse, { closeAfterBody: boolean }>();

export function lingerAfterEarlyReplies(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply, payload) => {
    // `complete` is only false on a real connection still receiving the body (not under inject).
    if (request.raw.complete !== false || reply.raw.headersSent) return payload;
    if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
    // Node decides at `writeHead` whether this response ends the connection, and if so closes the
    // socket the moment it is written; the close is deferred to after the body instead.
    lingering.set(reply.raw, { closeAfterBody: !reply.raw.shouldKeepAlive });
    reply.raw.shouldKeepAlive = true;
    return payload;
  });
  server.addHook('onResponse', async (request, reply) => {
    const state = lingering.get(reply.raw);
    if (state === undefined) return;
    const socket = request.raw.socket;
    const finish = () => {
      if (state.closeAfterBody) socket.destroySoon();
    };
    if (request.raw.complete) return finish();
    const unauthenticated = reply.statusCode === 401 || reply.statusCode === 429;
    discardRest(request.raw, unauthenticated ? UNAUTHENTICATED_LINGER_MS : REFUSED_BODY_LINGER_MS, finish);
  });
}

/** Reads and drops what is left of the body, then calls `onEnd`; past the bounds, drops the socket. */
function discardRest(message: IncomingMessage, lingerMs: number, onEnd: () => void): void {
  const socket = message.socket;
  let discarded = 0;
  const close = () => socket.destroy();
  const timer = setTimeout(close, lingerMs);
  const done = () => clearTimeout(timer);
  message.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) {
      done();
      close();
    }
  });
  message.once('end', () => {
    done();
    onEnd();
  });
  socket.once('close', done);
  message.resume();
}
