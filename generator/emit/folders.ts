/**
 * The folders tinyfoa writes, and the rules that keep it from destroying anything else.
 *
 * - An **output folder** (`generate`, `build`, `run`, `memory`, `demo`, `verify`) is replaced as a
 *   whole, but only when it is missing, empty, or one that tinyfoa wrote: it carries the marker
 *   file `.tinyfoa-output` (format tag and the SHA-256 of every file it wrote), and nothing in it
 *   was added or changed since, except under `build/` and `measure/` (compiler and measurement
 *   outputs). Anything else is refused with a BadInputError naming the path and what to do.
 * - A **state folder** (`run`'s training state: the weight store, run.json, the job files and the
 *   firmware log) carries `.tinyfoa-state`, is created once and never replaced or moved; tinyfoa
 *   only writes its own files in it.
 * - Neither may be, or contain, the current folder, the home folder, tinyfoa's own folder or an
 *   input of the command (the model file, a store source, a data folder).
 *
 * Replacing is crash-safe: the new folder is written beside the old one as
 * `.<name>.tinyfoa-new-<pid>-<tag>` (marker first), then swapped in with two renames. A kill at
 * any moment leaves the old folder or the new one at its name; a kill between the two renames
 * leaves the old one as `.<name>.tinyfoa-old-<pid>-<tag>`, which the next write puts back.
 * Temporaries of dead processes are recognised by their marker and removed on the next write.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { BadInputError } from '../errors.ts';
import { projectRoot } from '../../targets/targets.ts';

export const OUTPUT_MARKER = '.tinyfoa-output';
export const STATE_MARKER = '.tinyfoa-state';
const OUTPUT_TAG = 'tinyfoa-output 1';
const STATE_TAG = 'tinyfoa-state 1';
/** Top-level folders of an output folder whose contents are regenerable (compiler, measurement). */
const FREE_DIRS = new Set(['build', 'measure']);

/** An output or state path that tinyfoa refuses or cannot write; nothing was written or removed. */
export class OutputPathError extends BadInputError {}

/** Inputs of the running command: no output folder may be or contain one of them. */
const protectedInputs = new Set<string>();

/** Registers the inputs of a command (model file, store sources, data folders). */
export function protectInputs(paths: readonly (string | undefined)[]): void {
  for (const p of paths) if (p) protectedInputs.add(resolve(p));
}

/** The real path of `p`: symbolic links resolved in the part that exists. */
function realPath(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let head = abs;
  for (;;) {
    try {
      return join(realpathSync(head), ...rest);
    } catch {
      const parent = dirname(head);
      if (parent === head) return abs;
      rest.unshift(basename(head));
      head = parent;
    }
  }
}

function isSameOrInside(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

function errnoCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : null;
}

const CODE_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENAMETOOLONG: 'the path is too long',
  ENOENT: 'the file system does not allow creating it',
  EEXIST: 'something else appeared at that path',
  ELOOP: 'too many symbolic links',
};

/** Wraps a file-system failure on an output or state path as a BadInputError naming the path. */
export function pathFailure(e: unknown, action: string, path: string, flag: string): never {
  const code = errnoCode(e);
  if (code === null) throw e;
  throw new OutputPathError(
    `cannot ${action} ${path}: ${CODE_TEXT[code] ?? 'the file system refused'} (${code}); choose another ${flag} on a writable folder`,
  );
}

/**
 * mkdir -p without Node's recursive mode, which never returns on some pseudo file systems (/proc).
 * Returns the folders it created, outermost first.
 */
function makeFolders(dir: string, flag: string): string[] {
  const abs = resolve(dir);
  const missing: string[] = [];
  let head = abs;
  for (;;) {
    let st;
    try {
      st = statSync(head);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT') {
        missing.unshift(head);
        const parent = dirname(head);
        if (parent === head) break;
        head = parent;
        continue;
      }
      if (code === 'ENOTDIR') throw new OutputPathError(`cannot create ${abs}: ${firstFileIn(abs)} is a file, not a folder; choose another ${flag}`);
      pathFailure(e, 'create', abs, flag);
    }
    if (!st.isDirectory()) throw new OutputPathError(`cannot create ${abs}: ${head} is a file, not a folder; choose another ${flag}`);
    break;
  }
  const created: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST' && statSync(d).isDirectory()) continue;
      removeEmpty(created);
      pathFailure(e, 'create', d, flag);
    }
  }
  return created;
}

/** Removes folders made by makeFolders, innermost first, as long as they are still empty. */
function removeEmpty(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/** The first component of `p` that exists and is not a folder. */
function firstFileIn(p: string): string {
  let head = resolve(p);
  const chain: string[] = [];
  while (dirname(head) !== head) {
    chain.unshift(head);
    head = dirname(head);
  }
  for (const c of chain) {
    try {
      if (!statSync(c).isDirectory()) return c;
    } catch {
      return c;
    }
  }
  return p;
}

/** Why `path` may not be one of tinyfoa's folders at all, whatever it holds; null if it may. */
function forbiddenPlace(abs: string, real: string, others: readonly string[]): string | null {
  const places: [string, string][] = [
    [process.cwd(), 'the current folder'],
    [homedir(), 'your home folder'],
    [projectRoot, "tinyfoa's own folder"],
    ...[...protectedInputs].map((p): [string, string] => [p, `the input ${p}`]),
    ...others.map((p): [string, string] => [p, `the folder ${p}`]),
  ];
  for (const [place, what] of places) {
    const r = realPath(place);
    if (r === real) return `${abs} is ${what}`;
    if (isSameOrInside(r, real)) return `${abs} contains ${what}`;
  }
  return null;
}

interface Listing {
  /** Files (relative paths) not listed in the marker, or changed since tinyfoa wrote them. */
  added: string[];
  changed: string[];
  /** Symbolic links and special files. */
  odd: string[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file below `dir` (relative paths), outside the free folders; links and special files apart. */
function walk(dir: string, prefix = '', out: { files: string[]; odd: string[] } = { files: [], odd: [] }): { files: string[]; odd: string[] } {
  for (const name of readdirSync(dir).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (!prefix && (name === OUTPUT_MARKER || name === STATE_MARKER)) continue;
    const st = lstatSync(join(dir, name));
    if (st.isDirectory()) {
      if (!prefix && FREE_DIRS.has(name)) continue;
      walk(join(dir, name), rel, out);
    } else if (st.isFile()) out.files.push(rel);
    else out.odd.push(rel);
  }
  return out;
}

function parseOutputMarker(text: string): Map<string, string> | null {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines[0] !== OUTPUT_TAG) return null;
  const files = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^([0-9a-f]{64}) (.+)$/.exec(line);
    if (!m) return null;
    files.set(m[2]!, m[1]!);
  }
  return files;
}

/** Compares an output folder with its marker; null when it has no marker tinyfoa recognises. */
function listOutput(dir: string): Listing | null {
  let text: string;
  try {
    if (!lstatSync(join(dir, OUTPUT_MARKER)).isFile()) return null;
    text = readFileSync(join(dir, OUTPUT_MARKER), 'utf8');
  } catch {
    return null;
  }
  const written = parseOutputMarker(text);
  if (!written) return null;
  const { files, odd } = walk(dir);
  const added: string[] = [];
  const changed: string[] = [];
  for (const f of files) {
    const want = written.get(f);
    if (want === undefined) added.push(f);
    else if (sha256(readFileSync(join(dir, f))) !== want) changed.push(f);
  }
  return { added, changed, odd };
}

function sample(list: string[]): string {
  return list.length <= 4 ? list.join(', ') : `${list.slice(0, 4).join(', ')} and ${list.length - 4} more`;
}

/** What is at a path, without following a final symbolic link. */
function kindAt(abs: string, flag: string): 'missing' | 'dir' | 'link' | 'file' {
  try {
    const st = lstatSync(abs);
    return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file';
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw new OutputPathError(`cannot write ${abs}: ${firstFileIn(abs)} is a file, not a folder; choose another ${flag}`);
    return pathFailure(e, 'read', abs, flag);
  }
}

export interface FolderCheck {
  /** The flag that named the folder, for messages (e.g. `-o`). */
  flag?: string;
  /** Folders this one must neither be nor contain (e.g. the state folder of the same run). */
  others?: readonly string[];
}

/**
 * Checks that tinyfoa may replace the output folder `out` (nothing is written); returns its
 * absolute path. Refused, with what to do: a file, a link, a folder without tinyfoa's marker,
 * one with files added or changed since tinyfoa wrote it, and the forbidden places.
 */
export function checkOutputFolder(out: string, check: FolderCheck = {}): string {
  const flag = check.flag ?? '-o';
  const abs = resolve(out);
  const why = forbiddenPlace(abs, realPath(abs), check.others ?? []);
  if (why) throw new OutputPathError(`refusing to write the output folder: ${why}; give ${flag} a new folder, e.g. ${flag} out/model`);
  const kind = kindAt(abs, flag);
  if (kind === 'missing') return abs;
  if (kind === 'link') throw new OutputPathError(`refusing to replace ${abs}: it is a symbolic link; give ${flag} the folder itself or a new path`);
  if (kind === 'file') throw new OutputPathError(`refusing to replace ${abs}: it is a file, not a folder tinyfoa wrote; give ${flag} a new folder`);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch (e) {
    return pathFailure(e, 'read', abs, flag);
  }
  if (entries.length === 0) return abs;
  const listing = listOutput(abs);
  if (!listing) {
    throw new OutputPathError(
      `refusing to replace ${abs}: it is not empty and tinyfoa did not write it (no ${OUTPUT_MARKER} marker); give ${flag} a new or empty folder, or move its contents away yourself`,
    );
  }
  const problems = [
    ...(listing.added.length ? [`added ${sample(listing.added)}`] : []),
    ...(listing.changed.length ? [`changed ${sample(listing.changed)}`] : []),
    ...(listing.odd.length ? [`links or special files ${sample(listing.odd)}`] : []),
  ];
  if (problems.length) {
    throw new OutputPathError(
      `refusing to replace ${abs}: it holds work tinyfoa did not write (${problems.join('; ')}); move those files out, or give ${flag} another folder`,
    );
  }
  return abs;
}

const TEMP = /^\.(.+)\.tinyfoa-(new|old)-(\d+)-[0-9a-f]+$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

/** A temporary of ours: an empty folder (killed before the marker) or one with a marker. */
function isOurTemporary(dir: string): boolean {
  try {
    const entries = readdirSync(dir);
    if (entries.length === 0) return true;
    const markers = [[OUTPUT_MARKER, OUTPUT_TAG], [STATE_MARKER, STATE_TAG]] as const;
    for (const [name, tag] of markers) {
      if (entries.includes(name) && readFileSync(join(dir, name), 'utf8').split('\n')[0] === tag) return true;
    }
    // Killed while its marker was being written: nothing in it but a marker file holding the
    // start of its tag (often 0 bytes). Nothing there is anyone else's.
    const known = new Map<string, string>(markers.map(([name, tag]) => [name, `${tag}\n`]));
    if (entries.every((n) => known.has(n) && known.get(n)!.startsWith(readFileSync(join(dir, n), 'utf8')))) return true;
  } catch {
    return false;
  }
  return false;
}

/**
 * Removes temporaries of `abs` left by killed runs, and puts back an old folder that a kill
 * between the two renames of a swap left aside (only when nothing is at `abs`).
 */
function recoverTemporaries(abs: string): void {
  const parent = dirname(abs);
  const base = basename(abs);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const stale = names
    .map((n) => ({ n, m: TEMP.exec(n) }))
    .filter((x) => x.m && x.m[1] === base && !processAlive(Number(x.m[3])) && isOurTemporary(join(parent, x.n)));
  const olds = stale.filter((x) => x.m![2] === 'old');
  if (olds.length > 0 && kindAt(abs, '-o') === 'missing') {
    const newest = olds.sort((a, b) => statSync(join(parent, b.n)).mtimeMs - statSync(join(parent, a.n)).mtimeMs)[0]!;
    try {
      renameSync(join(parent, newest.n), abs);
    } catch {
      /* left for the next run */
    }
  }
  for (const x of stale) {
    const p = join(parent, x.n);
    try {
      removeOurFolder(p);
    } catch {
      /* not ours to force */
    }
  }
}

/**
 * Removes a folder of ours with its marker last, so that a kill during the removal leaves a
 * folder that is still recognised as ours (and removed by the next run).
 */
function removeOurFolder(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const markers: string[] = entries.filter((n) => n === OUTPUT_MARKER || n === STATE_MARKER);
  for (const n of entries) if (!markers.includes(n)) rmSync(join(dir, n), { recursive: true, force: true });
  for (const n of markers) rmSync(join(dir, n), { force: true });
  rmdirSync(dir);
}

function tempName(abs: string, kind: 'new' | 'old'): string {
  return join(dirname(abs), `.${basename(abs)}.tinyfoa-${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** A new output folder being written beside the one it will replace. */
export interface Staging {
  /** Where the folder will live. */
  out: string;
  /** The temporary folder being filled. */
  dir: string;
  flag: string;
  others: readonly string[];
  /** Parent folders this replace created (removed again when it is abandoned). */
  created: string[];
}

/**
 * Starts replacing the output folder `out`: checks it (checkOutputFolder), cleans up after
 * killed runs, and creates the temporary folder (its marker first) that `finishReplace` swaps in.
 */
export function beginReplace(out: string, check: FolderCheck = {}): Staging {
  const flag = check.flag ?? '-o';
  const abs = resolve(out);
  checkOutputFolder(abs, check);
  const created = makeFolders(dirname(abs), flag);
  recoverTemporaries(abs);
  const dir = tempName(abs, 'new');
  try {
    checkOutputFolder(abs, check);
    mkdirSync(dir);
  } catch (e) {
    removeEmpty(created);
    pathFailure(e, 'create', abs, flag);
  }
  try {
    writeFileSync(join(dir, OUTPUT_MARKER), `${OUTPUT_TAG}\n`);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    removeEmpty(created);
    pathFailure(e, 'write', abs, flag);
  }
  return { out: abs, dir, flag, others: check.others ?? [], created };
}

/** Writes files into a staging folder; a failure of the file system is a BadInputError. */
export function writeStagedFiles(s: Staging, files: readonly { path: string; contents: string | Uint8Array }[]): void {
  try {
    for (const f of files) {
      const path = join(s.dir, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.contents);
    }
  } catch (e) {
    pathFailure(e, 'write', s.out, s.flag);
  }
}

/** Records what the staging folder holds in its marker and swaps it in for the old folder. */
export function finishReplace(s: Staging): void {
  try {
    const { files } = walk(s.dir);
    const lines = files.map((f) => `${sha256(readFileSync(join(s.dir, f)))} ${f}`);
    writeFileSync(join(s.dir, OUTPUT_MARKER), `${[OUTPUT_TAG, ...lines].join('\n')}\n`);
  } catch (e) {
    pathFailure(e, 'write', s.out, s.flag);
  }
  // Checked again: the old folder may have changed while the new one was written.
  checkOutputFolder(s.out, { flag: s.flag, others: s.others });
  const occupied = kindAt(s.out, s.flag) === 'dir' && readdirSync(s.out).length > 0;
  if (!occupied) {
    try {
      renameSync(s.dir, s.out); // onto nothing, or onto an empty folder: one atomic step
    } catch (e) {
      pathFailure(e, 'write', s.out, s.flag);
    }
    return;
  }
  const old = tempName(s.out, 'old');
  try {
    renameSync(s.out, old);
  } catch (e) {
    pathFailure(e, 'replace', s.out, s.flag);
  }
  try {
    renameSync(s.dir, s.out);
  } catch (e) {
    renameSync(old, s.out);
    pathFailure(e, 'replace', s.out, s.flag);
  }
  removeOurFolder(old);
}

/** Gives up a staging folder; the folder it would have replaced is untouched. */
export function abandonReplace(s: Staging): void {
  removeOurFolder(s.dir);
  removeEmpty(s.created);
}

/** Writes `files` as the output folder `out`, replacing it only as checkOutputFolder allows. */
export function writeOutputFolder(out: string, files: readonly { path: string; contents: string | Uint8Array }[], check: FolderCheck = {}): void {
  const s = beginReplace(out, check);
  try {
    writeStagedFiles(s, files);
    finishReplace(s);
  } catch (e) {
    abandonReplace(s);
    throw e;
  }
}

/**
 * Checks that `dir` may serve as a state folder (nothing is written): missing, empty, or one
 * with tinyfoa's state marker; never a forbidden place. Returns its absolute path.
 */
export function checkStateFolder(dir: string, check: FolderCheck = {}): string {
  const flag = check.flag ?? '--state';
  const abs = resolve(dir);
  const why = forbiddenPlace(abs, realPath(abs), check.others ?? []);
  if (why) throw new OutputPathError(`refusing to keep training state in ${abs}: ${why}; give ${flag} a new folder`);
  for (const other of check.others ?? []) {
    if (isSameOrInside(realPath(abs), realPath(other))) {
      throw new OutputPathError(`refusing to keep training state in ${abs}: it is inside ${other}, which a rebuild replaces; give ${flag} a folder outside it`);
    }
  }
  const kind = kindAt(abs, flag);
  if (kind === 'missing') return abs;
  if (kind === 'link') throw new OutputPathError(`refusing to use ${abs} as a state folder: it is a symbolic link; give ${flag} the folder itself`);
  if (kind === 'file') throw new OutputPathError(`refusing to use ${abs} as a state folder: it is a file; give ${flag} a folder`);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch (e) {
    return pathFailure(e, 'read', abs, flag);
  }
  if (entries.length === 0 || isStateFolder(abs)) return abs;
  throw new OutputPathError(
    `refusing to use ${abs} as a state folder: it is not empty and tinyfoa did not make it (no ${STATE_MARKER} marker); give ${flag} a new or empty folder`,
  );
}

export function isStateFolder(abs: string): boolean {
  try {
    return readFileSync(join(abs, STATE_MARKER), 'utf8').split('\n')[0] === STATE_TAG;
  } catch {
    return false;
  }
}

/** Makes the state folder `dir` if needed (atomically: it appears with its marker) and returns it. */
export function ensureStateFolder(dir: string, check: FolderCheck = {}): string {
  const flag = check.flag ?? '--state';
  const abs = checkStateFolder(dir, check);
  if (isStateFolder(abs)) return abs;
  const created = makeFolders(dirname(abs), flag);
  recoverTemporaries(abs);
  if (kindAt(abs, flag) === 'dir') {
    try {
      writeFileSync(join(abs, STATE_MARKER), `${STATE_TAG}\n`); // an empty folder the user made
    } catch (e) {
      pathFailure(e, 'write', abs, flag);
    }
    return abs;
  }
  const tmp = tempName(abs, 'new');
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, STATE_MARKER), `${STATE_TAG}\n`);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    removeEmpty(created);
    pathFailure(e, 'create', abs, flag);
  }
  return abs;
}

/** Writes a file inside a folder of ours so that a kill leaves the old contents or the new ones. */
export function writeFileAtomically(path: string, contents: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tinyfoa-new-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    pathFailure(e, 'write', path, '--state');
  }
}

/**
 * Processes that use the state folder now: a firmware run (native or QEMU) has it as its working
 * directory. Linux only (/proc); elsewhere the lock file alone answers.
 */
export function processesUsing(dir: string): number[] {
  const real = realPath(dir);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) === real) out.push(Number(pid));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

const LOCK = 'lock';

/**
 * Takes the state folder for this process: refused while another tinyfoa process holds it or a
 * firmware run (for instance one left running by a killed tinyfoa) still works in it.
 * Returns the function that gives it back.
 */
export function lockStateFolder(dir: string): () => void {
  const lock = join(dir, LOCK);
  const busy = processesUsing(dir).filter((p) => p !== process.pid);
  let holder: number | null = null;
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) holder = pid;
  } catch {
    /* no lock */
  }
  if (holder !== null || busy.length > 0) {
    const who = holder !== null ? `tinyfoa (pid ${holder})` : `a firmware run (pid ${busy.join(', ')})`;
    throw new OutputPathError(`the state folder ${dir} is in use by ${who}; wait for it to end or stop it, then run again`);
  }
  writeFileAtomically(lock, `${process.pid}\n`);
  return () => rmSync(lock, { force: true });
}

/** The default state folder of an output folder: `<out>.state`, beside it. */
export function defaultStateFolder(out: string): string {
  return `${resolve(out)}.state`;
}
