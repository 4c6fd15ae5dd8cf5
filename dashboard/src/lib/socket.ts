// The dashboard's only Socket.IO connection (namespace /live), typed with the server's event map.
import { io, type Socket } from 'socket.io-client';
import {
  type ClientToServerEvents,
  LIVE_NAMESPACE,
  type LiveAuth,
  type LiveFilter,
  type ServerToClientEvents,
} from '../../../collector/src/live/events.ts';

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Connects to `/live` on the page's own origin (or `baseUrl`). The auth payload is rebuilt on every
 * (re)connect so the server starts each session with the filter the display currently shows.
 */
export function connectLive(token: string, currentFilter: () => LiveFilter, baseUrl = ''): LiveSocket {
  return io(`${baseUrl}${LIVE_NAMESPACE}`, {
    auth: (cb: (auth: LiveAuth) => void) => cb({ token, filter: currentFilter(), panel_batches: true }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
  });
}
