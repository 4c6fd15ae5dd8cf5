import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ComposeService, mountsOf, readCompose } from './compose-file.ts';
import { provisionedDatasources } from './grafana-files.ts';
import { repoPath } from './repo-paths.ts';

// Docker is not available here, so the compose file is checked for structure and for agreement
// with the files it mounts and the configs that name its services.

const SERVICES = ['timescaledb', 'collector', 'prometheus', 'alertmanager', 'grafana'];

function service(name: string): ComposeService {
  const found = readCompose().services[name];
  if (!found) throw new Error(`docker-compose.yml has no ${name} service`);
  return found;
}

/** Container port published for `name`, from "host:container" or "ip:host:container". */
function publishes(name: string): { host: number; container: number }[] {
  return (service(name).ports ?? []).map((spec) => {
    const parts = spec.split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
}

describe('docker-compose.yml', () => {
  it('declares the five services of the stack, started without a profile', () => {
    const services = Object.entries(readCompose().services);
    const unprofiled = services.filter(([, s]) => s.profiles === undefined).map(([name]) => name);
    expect(unprofiled.sort()).toEqual([...SERVICES].sort());
  });

  it('runs TimescaleDB from the official image with a healthcheck the collector waits for', () => {
    expect(service('timescaledb').image).toMatch(/^timescale\/timescaledb:/);
    expect(service('timescaledb').healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(service('collector').depends_on).toMatchObject({ timescaledb: { condition: 'service_healthy' } });
  });

  it('builds the collector from the repository Dockerfile and points it at the timescaledb service', () => {
    const collector = service('collector');
    expect(collector.build?.context).toBe('.');
    expect(existsSync(repoPath(collector.build?.dockerfile ?? 'Dockerfile'))).toBe(true);
    const db = service('timescaledb').environment ?? {};
    const url = new URL((collector.environment?.DATABASE_URL ?? '').replace(/\$\{[^}]+:-([^}]*)\}/g, '$1'));
    expect(url.hostname).toBe('timescaledb');
    expect(url.username).toBe(db.POSTGRES_USER);
    expect(url.pathname).toBe(`/${db.POSTGRES_DB}`);
  });

  it('publishes the documented ports, each host port once', () => {
    expect(publishes('collector')).toContainEqual({ host: 8080, container: 8080 });
    expect(publishes('grafana')).toContainEqual({ host: 3000, container: 3000 });
    expect(publishes('prometheus')).toContainEqual({ host: 9090, container: 9090 });
    expect(publishes('alertmanager')).toContainEqual({ host: 9093, container: 9093 });
    expect(publishes('timescaledb')).toContainEqual({ host: 5432, container: 5432 });
    const hosts = Object.keys(readCompose().services).flatMap((s) => publishes(s).map((p) => p.host));
    expect(new Set(hosts).size).toBe(hosts.length);
    // the database is only reachable from this machine
    expect(service('timescaledb').ports?.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('mounts only paths that exist in the repository, read-only, and declares every named volume', () => {
    const declared = Object.keys(readCompose().volumes ?? {});
    for (const name of Object.keys(readCompose().services)) {
      for (const mount of mountsOf(service(name))) {
        if (mount.bind) {
          expect(existsSync(repoPath(mount.source)), `${name}: ${mount.source}`).toBe(true);
          expect(mount.readOnly, `${name}: ${mount.source} should be :ro`).toBe(true);
        } else {
          expect(declared, `${name}: volume ${mount.source}`).toContain(mount.source);
        }
      }
    }
  });

  it('has Prometheus scrape the collector and alert to the alertmanager service by name and port', () => {
    const config = parse(readFileSync(repoPath('deploy/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'orderpulse');
    expect(job?.static_configs[0]?.targets).toEqual([`collector:${publishes('collector')[0]?.container}`]);
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      `alertmanager:${publishes('alertmanager')[0]?.container}`,
    ]);
    const command = service('prometheus').command?.join(' ') ?? '';
    const configMount = mountsOf(service('prometheus')).find((m) => m.source === './deploy/prometheus.yml');
    expect(command).toContain(`--config.file=${configMount?.target}`);
  });

  it('mounts Grafana provisioning and gives it the environment the datasource file reads', () => {
    const grafana = service('grafana');
    const targets = mountsOf(grafana).map((m) => m.target);
    expect(targets).toContain('/etc/grafana/provisioning');
    const text = readFileSync(repoPath('grafana/provisioning/datasources/orderpulse.yml'), 'utf8');
    const wanted = [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
    expect(wanted.length).toBeGreaterThan(3);
    for (const variable of wanted)
      expect(Object.keys(grafana.environment ?? {}), variable).toContain(variable);
    expect(grafana.environment?.ORDERPULSE_DB_HOST).toBe(
      `timescaledb:${publishes('timescaledb')[0]?.container}`,
    );
    expect(grafana.environment?.ORDERPULSE_PROMETHEUS_URL).toBe(
      `http://prometheus:${publishes('prometheus')[0]?.container}`,
    );
    expect(provisionedDatasources().length).toBe(2);
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    const dashboards = mountsOf(grafana).find((m) => m.source === './grafana/dashboards');
    expect(home.startsWith(`${dashboards?.target}/`)).toBe(true);
    expect(existsSync(repoPath('grafana/dashboards', home.slice((dashboards?.target.length ?? 0) + 1)))).toBe(
      true,
    );
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(repoPath('Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('is multi-stage, on Node 20, and the runtime stage runs as a non-root user with a healthcheck', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:20[\w.-]*/);
    const user = runtime.match(/^USER (\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^EXPOSE 8080$/m);
    expect(lines.some((l) => l.startsWith('CMD '))).toBe(true);
  });

  it('copies from the build context only files that exist, and ignores local state', () => {
    const contextCopies = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    for (const line of contextCopies) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(repoPath(source)), source).toBe(true);
    }
    const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.git', 'data']) expect(ignored).toContain(entry);
  });
});
