// The data dir holds the event log and the generated tokens: only the collector's own user may
// read it. PGlite creates its files with explicit world-writable modes (0666/0777, not through
// the umask), so they are narrowed after it opens and again after it closes; the directory's own
// 0700 keeps out anyone else meanwhile, including from files PGlite creates while running.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Creates `dir` if needed and makes it 0700. */
export async function privateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
}

/** Drops every group and other permission bit below `dir` (symbolic links are left alone). */
export async function restrictTree(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const file = path.join(entry.parentPath, entry.name);
    try {
      const { mode } = await fs.stat(file);
      if ((mode & 0o077) !== 0) await fs.chmod(file, mode & 0o700);
    } catch (error) {
      // A file PGlite removed between the listing and now.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
