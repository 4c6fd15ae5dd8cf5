// The `cluster` profile of docker-compose.yml, checked without Docker: every collector node's
// environment is one the collector accepts, the nodes agree with the broker, Redis and database
// services, HAProxy (checked by the real haproxy) balances exactly the ingress nodes on /readyz,
// and the cluster's Prometheus (checked by promtool) scrapes every node by the instance it reports.
// docker-compose itself (Debian's 1.29, which CI installs) must accept the file with and without
// the profile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.ts';
import { type ComposeService, layOutContainer, mountsOf, readCompose } from './compose-file.ts';
import { requireTool, runTool } from './real-tool.ts';
import { REPO_ROOT, repoPath } from './repo-paths.ts';

const NODES = {
  'processor-1': 'processor',
  'processor-2': 'processor',
  'ingress-1': 'ingress',
  'ingress-2': 'ingress',
};
const CLUSTER = ['rabbitmq', 'redis', ...Object.keys(NODES), 'haproxy', 'prometheus-cluster'];

function service(name: string): ComposeService {
  const found = readCompose().services[name];
  if (!found) throw new Error(`docker-compose.yml has no ${name} service`);
  return found;
}

/** A value as Compose resolves it with nothing set in the environment: `${VAR:-default}` → default. */
const resolved = (value: string) => value.replace(/\$\{[^}:]+:-([^}]*)\}/g, '$1');

function nodeEnv(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, resolved(v)]),
  );
}

/** The file a service mounts at `target`, as it is in the repository. */
function mounted(name: string, target: string): string {
  const mount = mountsOf(service(name)).find((m) => m.target === target);
  if (!mount) throw new Error(`${name} mounts nothing at ${target}`);
  return readFileSync(repoPath(mount.source), 'utf8');
}

/** `docker-compose config` on the repository's file: the services it resolves for `profiles`. */
function composeConfig(profiles: readonly string[]): string[] {
  const args = ['-f', repoPath('docker-compose.yml'), ...profiles.flatMap((p) => ['--profile', p])];
  const run = spawnSync(requireTool('docker-compose'), [...args, 'config', '--services'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  return run.stdout.trim().split('\n').sort();
}

describe('docker-compose.yml, profile cluster', () => {
  it('is valid for docker-compose, with and without the cluster profile', () => {
    // 1.29 lists every service of the file whatever the profiles (they pick what `up` starts)
    for (const profiles of [[], ['cluster']]) {
      const services = composeConfig(profiles);
      expect(services, profiles.join()).toEqual(Object.keys(readCompose().services).sort());
      expect(services, profiles.join()).toEqual(expect.arrayContaining(['collector', ...CLUSTER]));
    }
  });

  it('holds the broker, Redis, two processors, two ingress nodes, HAProxy and a Prometheus', () => {
    const profiled = Object.entries(readCompose().services)
      .filter(([, s]) => s.profiles?.includes('cluster'))
      .map(([name]) => name);
    expect(profiled.sort()).toEqual([...CLUSTER].sort());
  });

  it('gives every node a configuration the collector accepts, in one cluster on the shared services', () => {
    const instances = new Set<string>();
    const rabbit = service('rabbitmq').environment ?? {};
    for (const [name, role] of Object.entries(NODES)) {
      const env = nodeEnv(name);
      const config = loadConfig(env);
      expect(config.cluster?.role, name).toBe(role);
      expect(config.cluster?.partitions, name).toBe(loadConfig(nodeEnv('processor-1')).cluster?.partitions);
      const amqp = new URL(config.cluster?.amqpUrl ?? '');
      expect([amqp.hostname, amqp.username, amqp.password], name).toEqual([
        'rabbitmq',
        resolved(rabbit.RABBITMQ_DEFAULT_USER ?? ''),
        resolved(rabbit.RABBITMQ_DEFAULT_PASS ?? ''),
      ]);
      expect(new URL(config.redisUrl ?? '').hostname, name).toBe('redis');
      expect(new URL(config.databaseUrl ?? '').hostname, name).toBe('timescaledb');
      // its own schema: the single collector of the default stack may run beside it
      expect(config.databaseSchema, name).toBe('cluster');
      expect(config.instance, name).toBe(`${name}:${config.port}`);
      instances.add(config.instance);
      expect(service(name).image).toBe(service('collector').image);
      expect(service(name).ports ?? [], `${name} publishes no port: HAProxy is the way in`).toEqual([]);
    }
    expect(instances.size).toBe(4);
  });

  it('starts the first node on healthy services and the others once it has migrated the schema', () => {
    for (const dependency of ['rabbitmq', 'redis', 'timescaledb'])
      expect(service(dependency).healthcheck?.test.length, dependency).toBeGreaterThan(0);
    expect(service('processor-1').depends_on).toEqual({
      timescaledb: { condition: 'service_healthy' },
      rabbitmq: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    for (const name of ['processor-2', 'ingress-1', 'ingress-2'])
      expect(service(name).depends_on, name).toEqual({ 'processor-1': { condition: 'service_healthy' } });
    // service_healthy on a collector: the image's own HEALTHCHECK
    expect(readFileSync(repoPath('Dockerfile'), 'utf8')).toMatch(/^HEALTHCHECK /m);
  });

  it('has HAProxy balance exactly the ingress nodes, each checked on /readyz, and haproxy accept the file', () => {
    const config = mounted('haproxy', '/usr/local/etc/haproxy/haproxy.cfg');
    const sections = config.split(/^(?=\S)/m).filter((s) => s.startsWith('backend '));
    expect(sections.length).toBeGreaterThan(0);
    const ingress = Object.entries(NODES).filter(([, role]) => role === 'ingress');
    for (const section of sections) {
      expect(section).toMatch(/^\s+option httpchk$/m);
      expect(section).toMatch(/^\s+http-check send meth GET uri \/readyz$/m);
      expect(section).toMatch(/^\s+http-check expect status 200$/m);
      const servers = [...section.matchAll(/^\s+server (\S+) (\S+)/gm)].map((m) => [m[1], m[2]]);
      expect(servers).toEqual(ingress.map(([name]) => [name, `${name}:${loadConfig(nodeEnv(name)).port}`]));
      expect(section).toMatch(/^\s+default-server check /m);
    }
    const bind = /^frontend orderpulse\n(?:.*\n)*?\s+bind :(\d+)$/m.exec(config)?.[1];
    expect(service('haproxy').ports).toContainEqual(`8081:${bind}`);
    const run = runTool('haproxy', ['-c', '-f', repoPath('deploy/cluster/haproxy.cfg')]);
    expect(run.status, run.output).toBe(0);
  });

  it('has the cluster Prometheus scrape every node and HAProxy, and promtool accept the file', () => {
    const config = parse(mounted('prometheus-cluster', '/etc/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = (job: string) =>
      config.scrape_configs.find((j) => j.job_name === job)?.static_configs.flatMap((c) => c.targets) ?? [];
    // each node scraped by the address it reports as its instance, so alerts pushed by a node and
    // OrderPulseCollectorDown about it carry the same instance
    expect(targets('orderpulse').sort()).toEqual(
      Object.keys(NODES)
        .map((name) => loadConfig(nodeEnv(name)).instance)
        .sort(),
    );
    const statsPort = /^frontend stats\n(?:.*\n)*?\s+bind :(\d+)$/m.exec(
      mounted('haproxy', '/usr/local/etc/haproxy/haproxy.cfg'),
    )?.[1];
    expect(targets('haproxy')).toEqual([`haproxy:${statsPort}`]);
    expect(service('prometheus-cluster').ports).toContainEqual('9091:9090');
    const root = layOutContainer(
      service('prometheus-cluster'),
      mkdtempSync(join(tmpdir(), 'op-prom-cluster-')),
    );
    const run = runTool('promtool', ['check', 'config', join(root, 'etc/prometheus/prometheus.yml')]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS: [1-9]\d* rule files found/);
  });
});
