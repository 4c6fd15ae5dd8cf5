// Every route the server has, read from fastify's own route tree, so a route added later is fuzzed
// without anyone listing it here.
import type { FastifyInstance } from 'fastify';

export interface ListedRoute {
  /** e.g. `/v1/alerts/:id/ack` */
  path: string;
  methods: string[];
}

// printRoutes({ commonPrefix: false }) draws one node a line: 4 characters of tree per level, then
// the node's path segment and, where routes end there, their methods in parentheses.
const LINE = /^((?:[│ ] {3}|[├└]── )*)(\S.*?)(?: \(([A-Z, ]+)\))?$/;

export function listRoutes(server: FastifyInstance): ListedRoute[] {
  const routes: ListedRoute[] = [];
  const stack: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    if (line.trim() === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`unexpected route tree line: ${JSON.stringify(line)}`);
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack[depth] = match[2]!;
    const path = stack.join('');
    if (match[3]) routes.push({ path, methods: match[3].split(',').map((m) => m.trim()) });
  }
  return routes;
}
