// Copies a repo for one deploy: files copied, .git and .serverless left out, every node_modules linked, not copied.
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';

/** Left out of the copy: git data and the artifacts of earlier deploys. */
export const SKIPPED = new Set(['.git', '.serverless']);
/** Linked to the original instead of copied: a 20,000-file node_modules takes one syscall. */
export const LINKED = new Set(['node_modules']);

/** Recursively copies `from` into `to` (which must not exist), preserving modes and symlinks. */
export async function copyRepo(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      if (SKIPPED.has(e.name)) return;
      const src = path.join(from, e.name);
      const dst = path.join(to, e.name);
      if (LINKED.has(e.name) && (e.isDirectory() || e.isSymbolicLink())) return symlink(src, dst, 'dir');
      if (e.isSymbolicLink()) return symlink(await readlink(src), dst);
      if (e.isDirectory()) return copyRepo(src, dst);
      if (e.isFile()) return copyFile(src, dst, constants.COPYFILE_FICLONE);
      return undefined; // sockets, fifos: not part of a service
    }),
  );
}
