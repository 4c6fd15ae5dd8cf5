// The server the browser talks to: the real collector (support/collector-target.ts), built in
// process on an embedded store. `stop()`/`start()` cut the connection and bring it back.
import { startCollectorTarget } from './collector-target.ts';

export interface Target {
  url: string;
  tokens: { viewer: string; operator: string; ingest: string };
  ingest(events: object[]): Promise<{ accepted: number }>;
  /** Stops the server (the dashboard sees its socket drop). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function startTarget(
  options: { rulesDir?: string; env?: Record<string, string> } = {},
): Promise<Target> {
  return startCollectorTarget(options);
}
