// What the request log may say about a request. Wall displays carry their token in the page URL
// (`?token=`), so every URL is logged with such values blanked.
import type { FastifyRequest } from 'fastify';

const SECRET_PARAMS = /([?&](?:token|access_token)=)[^&#]*/gi;

/** The URL with the value of every `token`/`access_token` query parameter replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/** Fastify's request log fields, with the URL redacted. */
export function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
