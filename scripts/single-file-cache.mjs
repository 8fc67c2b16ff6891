// What the single file (dist/opsdeck.mjs, scripts/single-file.mjs) does at run time, bundled into
// its loader: the split bundle it carries (the entry, its chunks, ssh2's native addon) is written
// once per user and build into a private cache directory and imported from there, so every
// command still parses only the chunks it runs. Plain JS with no dependencies: this code runs
// before anything else, on every start.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Loaded only when a cache is written or fully checked: importing node:crypto and node:zlib up
// front cost every start ~10 ms of CPU, more than the rest of the loader together.
const load = createRequire(import.meta.url);
const createHash = (alg) => load('node:crypto').createHash(alg);

function suffix() {
  return `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens the comment at the end of the single file that holds the payload (brotli, base64). */
export const PAYLOAD_MARK = '/*opsdeck-' + 'payload\n';

/**
 * The hash that names and checks a build's files: every file's path, size and bytes, in order.
 * `files`: [{ path, data }] with POSIX relative paths.
 */
export function contentHash(files) {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f.path}\0${f.data.length}\0`);
    h.update(f.data);
  }
  return h.digest('hex');
}

/** The cache directory's name for a build: readable version, then 16 hex digits of its hash. */
export function cacheKey(version, hash) {
  const v = String(version).replace(/[^0-9A-Za-z.+-]/g, '_').slice(0, 40) || 'unknown';
  return `${v}-${hash.slice(0, 16)}`;
}

/**
 * Where the unpacked files may live, best first: $XDG_CACHE_HOME/opsdeck (absolute only, as the
 * XDG spec says), ~/.cache/opsdeck, then a private directory of this user under the temporary
 * directory (read-only or missing home).
 */
export function cacheRoots(env, home, tmp, uid) {
  const roots = [];
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) roots.push({ dir: path.join(xdg, 'opsdeck'), create: xdg });
  if (home && path.isAbsolute(home)) {
    const dir = path.join(home, '.cache', 'opsdeck');
    if (!roots.some((r) => r.dir === dir)) roots.push({ dir, create: path.join(home, '.cache'), mustExist: home });
  }
  roots.push({ dir: path.join(tmp, `opsdeck-${uid ?? 'user'}`), mustExist: tmp });
  return roots;
}

/**
 * mkdir -p, one level at a time: Node 20's own recursive mkdirSync spins forever where the kernel
 * answers ENOENT for a parent that exists (/proc, for an XDG_CACHE_HOME pointed there).
 */
export function mkdirs(dir, mode) {
  const parent = path.dirname(dir);
  if (parent !== dir && !fs.existsSync(parent)) mkdirs(parent, mode);
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
}

/** A directory this user owns that nobody else may write to (and no symlink to one). */
export function isPrivateDir(st, uid) {
  return st.isDirectory() && !st.isSymbolicLink() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

/** Create `root.dir` (0700) if it is missing and check it is private; throws otherwise. */
export function ensureRoot(root, uid) {
  // Never create a home directory or a temporary directory that is not there.
  if (root.mustExist) fs.statSync(root.mustExist);
  if (root.create) mkdirs(root.create, 0o700);
  mkdirs(root.dir, 0o700);
  if (!isPrivateDir(fs.lstatSync(root.dir), uid)) throw new Error(`${root.dir} is not a private directory of this user`);
}

/**
 * True when `dir` holds exactly the files of `manifest` (sizes and the content hash) and is a
 * private directory: a half-written, tampered or foreign cache is never imported.
 */
export function verifyDir(dir, manifest, uid) {
  try {
    if (!isPrivateDir(fs.lstatSync(dir), uid)) return false;
    const h = createHash('sha256');
    for (const f of manifest.files) {
      const data = fs.readFileSync(path.join(dir, f.path));
      if (data.length !== f.size) return false;
      h.update(`${f.path}\0${data.length}\0`);
      h.update(data);
    }
    return h.digest('hex') === manifest.hash;
  } catch {
    return false;
  }
}

/** Where a verified cache directory keeps what its files looked like when they were checked. */
export const STAMP = '.verified';

/**
 * Each file's size, inode and change time (ctime: any write, chmod or touch moves it to the
 * present, and no user can set it back), after the files were checked against the hash.
 */
export function stampOf(dir, manifest) {
  const files = manifest.files.map((f) => {
    const st = fs.lstatSync(path.join(dir, f.path));
    if (!st.isFile()) throw new Error(`${f.path} is not a file`);
    return [st.size, st.ino, st.ctimeMs];
  });
  return JSON.stringify({ hash: manifest.hash, files });
}

export function writeStamp(dir, manifest) {
  const tmp = path.join(dir, `${STAMP}.${suffix()}`);
  fs.writeFileSync(tmp, stampOf(dir, manifest), { mode: 0o600 });
  fs.renameSync(tmp, path.join(dir, STAMP));
}

/**
 * The check of every start, without reading the files: the directory is private and every file
 * is the one that was hashed (same size, inode and change time as its stamp says). Anything else
 * (no stamp, a file written since, a copied cache) falls back to the full check, which writes a
 * new stamp when the contents still match the hash.
 */
export function usable(dir, manifest, uid) {
  try {
    if (!isPrivateDir(fs.lstatSync(dir), uid)) return false;
    if (fs.readFileSync(path.join(dir, STAMP), 'utf8') === stampOf(dir, manifest)) return true;
  } catch {
    // no stamp or a file missing: check in full
  }
  if (!verifyDir(dir, manifest, uid)) return false;
  try {
    writeStamp(dir, manifest);
  } catch {
    // read-only: it still checked out
  }
  return true;
}

/** The files the single file at `self` carries, unpacked from its payload comment. */
export function readPayload(self, manifest) {
  const text = fs.readFileSync(self, 'latin1');
  const at = text.lastIndexOf(PAYLOAD_MARK);
  const end = at < 0 ? -1 : text.indexOf('*/', at);
  if (at < 0 || end < 0) throw new Error(`${self} carries no payload (damaged or cut short)`);
  const all = load('node:zlib').brotliDecompressSync(Buffer.from(text.slice(at + PAYLOAD_MARK.length, end).replace(/\s+/g, ''), 'base64'));
  const out = [];
  let off = 0;
  for (const f of manifest.files) {
    out.push({ path: f.path, data: all.subarray(off, off + f.size) });
    off += f.size;
  }
  if (off !== all.length) throw new Error(`${self}: its payload does not match its manifest (damaged)`);
  return out;
}

/**
 * Write the files into a fresh temporary directory under `root`, check them, and rename it to
 * `root/key` in one step; a cache that is there but fails the check is moved aside and removed.
 * A concurrent run that got there first with a good copy wins. Returns the directory.
 */
export function install(root, manifest, files, uid) {
  const final = path.join(root, manifest.key);
  const tmp = fs.mkdtempSync(path.join(root, `.${manifest.key}-`));
  try {
    for (const f of files) {
      const to = path.join(tmp, f.path);
      mkdirs(path.dirname(to), 0o700);
      fs.writeFileSync(to, f.data, { mode: 0o600 });
    }
    if (!verifyDir(tmp, manifest, uid)) throw new Error('the unpacked files do not match the manifest (the file is damaged)');
    writeStamp(tmp, manifest);
    for (let attempt = 0; ; attempt++) {
      try {
        fs.renameSync(tmp, final);
        return final;
      } catch (err) {
        if (!['EEXIST', 'ENOTEMPTY', 'EISDIR', 'ENOTDIR'].includes(err.code) || attempt > 2) throw err;
        if (usable(final, manifest, uid)) return final;
        const stale = path.join(root, `.${manifest.key}-stale-${suffix()}`);
        fs.renameSync(final, stale);
        fs.rmSync(stale, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The directory to import the entry from: the first cache root that is (or can be made) private
 * and holds (or can be given) a verified copy. Throws with every root's reason when none can.
 */
export function unpackedDir({ self, manifest, env, home, tmp, uid }) {
  const reasons = [];
  for (const root of cacheRoots(env, home, tmp, uid)) {
    try {
      ensureRoot(root, uid);
      const final = path.join(root.dir, manifest.key);
      if (usable(final, manifest, uid)) return final;
      return install(root.dir, manifest, readPayload(self, manifest), uid);
    } catch (err) {
      reasons.push(`${root.dir}: ${err.code ?? err.message}`);
    }
  }
  throw new Error(`cannot unpack into a private cache directory (${reasons.join('; ')})`);
}
