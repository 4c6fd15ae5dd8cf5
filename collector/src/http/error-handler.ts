// The one place a thrown error becomes a reply: catalogue errors as they are, the store's and the
// writer's failures as their 503s, the framework's parse and validation failures as 4xx codes of
// ours; anything else is a 500 logged here, whose message never reaches the caller.
import type { FastifyError, FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../store/database.ts';
import { IngestBufferFullError, WriterClosedError } from '../store/event-writer.ts';
import { ApiError, errors } from './errors.ts';

export function toApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreUnavailableError) return errors.storeUnavailable();
  if (error instanceof IngestBufferFullError) return errors.bufferFull();
  if (error instanceof WriterClosedError) return errors.shuttingDown();
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(undefined);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge('the body is larger than this endpoint accepts (10 MiB for /v1/events)');
    case 'FST_ERR_VALIDATION':
      return errors.invalidRequest(fastifyError.message, fastifyError.validation);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidBody(fastifyError.message);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return errors.badRequest(fastifyError.statusCode, fastifyError.message);
  }
  return errors.internal();
}

/** Sets the app-wide error and not-found handlers (plugins with their own, like callbacks, keep theirs). */
export function registerErrorHandlers(server: FastifyInstance): void {
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const api = toApiError(error);
    if (api.status >= 500) request.log.error({ err: error }, 'request failed');
    if (api.retryAfter !== undefined) reply.header('Retry-After', String(api.retryAfter));
    return reply.code(api.status).send(api.toBody());
  });
  server.setNotFoundHandler((request, reply) => {
    const api = errors.notFound(`${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(api.toBody());
  });
}
