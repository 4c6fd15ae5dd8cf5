// Reads docker-compose.yml the way Compose would lay files out inside a container, so tools can
// check the configs exactly as the containers will see them (relative paths and all).
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, repoPath } from './repo-paths.ts';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  /** A bind mount of a repository path (`./…`), as opposed to a named volume. */
  bind: boolean;
}

/** With YAML merge keys (`<<: *node`) applied, as Compose applies them. */
export function readCompose(): ComposeFile {
  return parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((spec) => {
    const [source = '', target = '', mode] = spec.split(':');
    return {
      source,
      target,
      readOnly: mode === 'ro',
      bind: source.startsWith('./') || source.startsWith('/'),
    };
  });
}

/** Copies a service's bind mounts into `root` at their container paths; returns `root`. */
export function layOutContainer(service: ComposeService, root: string): string {
  for (const mount of mountsOf(service).filter((m) => m.bind)) {
    const target = join(root, mount.target);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(REPO_ROOT, mount.source), target, { recursive: true });
  }
  return root;
}
