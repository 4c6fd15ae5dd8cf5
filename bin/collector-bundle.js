// The collector runs from one bundle of its TypeScript sources (collector/dist/orderpulse.mjs), and
// the bill parser's worker thread from another (bill-stage-worker.mjs), built by esbuild at install
// (`npm run build`, which `npm install` runs) and again at start whenever the sources they were built
// from have changed. Running the sources through tsx instead keeps tsx's loader
// on a thread of its own, a second V8 isolate, and every module's transformed source and source map in
// the first: 25–50 MB more for an idle collector (BENCHMARKS.md §24). Dependencies stay in
// node_modules, and the source map beside the bundle maps stack traces back to the TypeScript under
// `node --enable-source-maps`.
//
// Run directly (`node bin/collector-bundle.js`), this builds the bundle.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = 'collector/src/cli/main.ts';
/** Each bundle's name and the source it starts from; each holds all it imports (no shared chunks). */
const ENTRIES = {
  orderpulse: ENTRY,
  'bill-stage-worker': 'collector/src/reconciliation/bill-stage-worker.ts',
};
const OUT_DIR = 'collector/dist';
const bundleFile = (name) => `${OUT_DIR}/${name}.mjs`;
const BUNDLE = bundleFile('orderpulse');
// What the bundles were built from: their inputs and a digest of their contents.
const STAMP = `${OUT_DIR}/orderpulse.inputs.json`;

/**
 * sha256 over the inputs' paths and contents (`read` gives a content, or throws for a file that is
 * gone: then undefined).
 */
function digestOf(inputs, read) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    let content;
    try {
      content = read(input);
    } catch {
      return undefined;
    }
    hash.update(`${input}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

/** Whether the bundles under `root` were built from the sources as they are now. */
export function bundleIsCurrent(root = REPO) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(root, STAMP), 'utf8'));
  } catch {
    return false;
  }
  if (Object.keys(ENTRIES).some((name) => !existsSync(path.join(root, bundleFile(name))))) return false;
  if (!Array.isArray(stamp.inputs)) return false;
  return digestOf(stamp.inputs, (input) => readFileSync(path.join(root, input))) === stamp.digest;
}

/**
 * Loads the sources for esbuild, keeping what it read of each for the digest: a source changed during
 * the build then makes the stamp stale, never a stale bundle current.
 *
 * A module's `import.meta.url` names the file it was written in, so that the files beside it
 * (migrations, the bill parser's worker) are found. In the bundle every module would get the bundle's
 * URL, so each use is rewritten to its source file's, relative to the bundle.
 */
function loadSources(root, read) {
  const outDir = path.join(root, OUT_DIR);
  return {
    name: 'load-sources',
    setup(build) {
      build.onLoad({ filter: /\.(ts|json)$/ }, (args) => {
        const content = readFileSync(args.path);
        read.set(path.relative(root, args.path).split(path.sep).join('/'), content);
        if (args.path.endsWith('.json')) return { contents: content, loader: 'json' };
        const relative = path.relative(outDir, args.path).split(path.sep).join('/');
        const text = content.toString('utf8');
        return {
          contents: text.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(relative)}, import.meta.url).href`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

/** Writes `file` whole or not at all: a collector starting meanwhile reads the old one or the new. */
function writeWhole(file, contents) {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, contents);
  renameSync(partial, file);
}

/** Builds the bundles under `root` (the repository by default) and returns the collector's path. */
export async function buildBundle(root = REPO) {
  // loaded only to build: a start from a current bundle does without it
  const esbuild = await import('esbuild');
  const read = new Map();
  const result = await esbuild
    .build({
      absWorkingDir: root,
      entryPoints: ENTRIES,
      outdir: path.join(root, OUT_DIR),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: 'warning',
      plugins: [loadSources(root, read)],
    })
    // esbuild's service process would otherwise live as long as the collector
    .finally(() => esbuild.stop());
  const inputs = Object.keys(result.metafile.inputs).sort();
  const unread = inputs.filter((input) => !read.has(input));
  if (unread.length > 0) throw new Error(`inputs neither TypeScript nor JSON: ${unread.join(', ')}`);
  const digest = digestOf(inputs, (input) => read.get(input));
  mkdirSync(path.join(root, OUT_DIR), { recursive: true });
  // each map before the bundle that names it; the stamp last, so a current stamp means whole bundles
  const isMap = (file) => file.path.endsWith('.map');
  for (const file of [...result.outputFiles.filter(isMap), ...result.outputFiles.filter((f) => !isMap(f))])
    writeWhole(file.path, file.contents);
  writeWhole(path.join(root, STAMP), `${JSON.stringify({ digest, inputs }, null, 1)}\n`);
  return path.join(root, BUNDLE);
}

/** The URL of the bundle `name` (a key of ENTRIES) if the bundles are current, else undefined. */
export function currentBundle(name, root = REPO) {
  return bundleIsCurrent(root) ? pathToFileURL(path.join(root, bundleFile(name))).href : undefined;
}

/**
 * The collector's entry module to import: the bundle, rebuilt first if the sources changed; the
 * TypeScript entry (run through tsx) if it cannot be built, e.g. a read-only install.
 */
export async function collectorEntry(root = REPO, warn = (line) => process.stderr.write(`${line}\n`)) {
  const current = currentBundle('orderpulse', root);
  if (current) return { url: current, bundled: true };
  try {
    const built = await buildBundle(root);
    return { url: pathToFileURL(built).href, bundled: true };
  } catch (error) {
    warn(`orderpulse: could not build ${BUNDLE} (${error.message}); running the TypeScript sources`);
    return { url: pathToFileURL(path.join(root, ENTRY)).href, bundled: false };
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const built = await buildBundle();
  process.stdout.write(`built ${path.relative(process.cwd(), built)}\n`);
}
