/**
 * Output paths: tinyfoa replaces a folder only when it is missing, empty or one tinyfoa wrote and
 * nobody changed since; everything else is refused with exit code 2, a message naming the path
 * and what to do, no stack trace, and no change anywhere (each case snapshots its whole sandbox
 * before and after). The real CLI runs every case.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputFolder, OUTPUT_MARKER, writeOutputFolder } from '../generator/emit/folders.ts';
import { generateFolder } from '../generator/firmware/device.ts';
import { parseModelFile } from '../generator/model/parse.ts';

const bin = new URL('../bin/tinyfoa.js', import.meta.url).pathname;
const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const root = mkdtempSync(join(tmpdir(), 'tinyfoa-outputs-'));
chmodSync(root, 0o755); // the permission cases run as an unprivileged user, who must reach their sandbox
afterAll(() => {
  chmodAll(root);
  rmSync(root, { recursive: true, force: true });
});

function chmodAll(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      chmodAll(p);
    }
  }
}

const TINY = `import { defineModel } from 'tinyfoa';
export default defineModel({
  name: 'tiny',
  input: { features: 784, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 8 }],
  training: { slices: 2, optimizer: { kind: 'sgd', learningRate: 0.05 }, batchSize: 1, epochsPerLayer: 1, seed: 1 },
});
`;

/** A sandbox: `work` is the current folder, `home` the home folder, the model in `models/`. */
interface Sandbox {
  root: string;
  work: string;
  home: string;
  model: string;
  /** Run after the case (processes a case started). */
  cleanups: (() => void)[];
}

let count = 0;
function sandbox(): Sandbox {
  const r = join(root, `case${count++}`);
  const s = { root: r, work: join(r, 'work'), home: join(r, 'home'), model: join(r, 'models', 'model.ts'), cleanups: [] as (() => void)[] };
  for (const d of [s.work, s.home, join(r, 'models')]) mkdirSync(d, { recursive: true });
  writeFileSync(s.model, TINY);
  writeFileSync(join(s.home, 'notes.txt'), 'mine\n');
  writeFileSync(join(s.work, 'keep.c'), 'int keep;\n');
  return s;
}

function tinyfoa(s: Sandbox, args: string[], extra: { uid?: number; gid?: number } = {}) {
  return execa('node', [bin, ...args], {
    reject: false,
    cwd: s.work,
    env: { NO_COLOR: '1', HOME: s.home },
    timeout: 150_000,
    ...extra,
  });
}

/** Every entry below `dir`: type, mode, size and content hash (files), target (links). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o777).toString(8)}`;
        if (st.mode & 0o400) walk(p, r);
      } else out[r] = `file ${(st.mode & 0o777).toString(8)} ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir, '');
  return out;
}

/** Writes a real output folder, as `tinyfoa generate` does (the state a user's earlier run left). */
function generated(s: Sandbox, dir: string): string {
  generateFolder(parseModelFile(s.model), 'host', join(s.work, dir));
  return dir;
}

interface RefusalCase {
  name: string;
  /** Prepares the sandbox; returns the command's arguments. */
  setup: (s: Sandbox) => string[] | Promise<string[]>;
  message: RegExp | ((s: Sandbox) => RegExp);
  /** Expected exit code (default 2). */
  exit?: number;
  asNobody?: boolean;
}

const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

const refusals: RefusalCase[] = [
  { name: 'generate -o . (the current folder)', setup: (s) => ['generate', s.model, '-o', '.'], message: (s) => re(`${s.work} is the current folder`) },
  { name: "generate -o '' (empty path is the current folder)", setup: (s) => ['generate', s.model, '-o', ''], message: /is the current folder/ },
  { name: 'generate -o .. (contains the current folder)', setup: (s) => ['generate', s.model, '-o', '..'], message: (s) => re(`${s.root} contains the current folder`) },
  { name: 'generate -o / (the root)', setup: (s) => ['generate', s.model, '-o', '/'], message: /refusing to write the output folder: \/ contains the current folder/ },
  { name: 'generate -o ~ (the home folder)', setup: (s) => ['generate', s.model, '-o', s.home], message: (s) => re(`${s.home} is your home folder`) },
  { name: "generate -o the model's own folder", setup: (s) => ['generate', s.model, '-o', join(s.root, 'models')], message: (s) => re(`${join(s.root, 'models')} contains the input ${s.model}`) },
  { name: 'generate -o the model file itself', setup: (s) => ['generate', s.model, '-o', s.model], message: (s) => re(`${s.model} is the input ${s.model}`) },
  { name: "generate -o tinyfoa's own folder", setup: (s) => ['generate', s.model, '-o', repo], message: /is tinyfoa's own folder/ },
  { name: "generate -o a folder of tinyfoa's repository (examples/)", setup: (s) => ['generate', s.model, '-o', join(repo, 'examples')], message: /not empty and tinyfoa did not write it \(no \.tinyfoa-output marker\)/ },
  {
    name: 'generate -o an existing file',
    setup: (s) => {
      writeFileSync(join(s.work, 'firmware.c'), 'int main(void) { return 0; }\n');
      return ['generate', s.model, '-o', 'firmware.c'];
    },
    message: /refusing to replace .*firmware\.c: it is a file, not a folder tinyfoa wrote/,
  },
  { name: 'generate -o /dev/null (a device)', setup: (s) => ['generate', s.model, '-o', '/dev/null'], message: /\/dev\/null: it is a file/ },
  {
    name: 'generate -o a foreign non-empty folder',
    setup: (s) => {
      mkdirSync(join(s.work, 'mine'));
      writeFileSync(join(s.work, 'mine', 'main.c'), 'int x;\n');
      return ['generate', s.model, '-o', 'mine'];
    },
    message: /mine: it is not empty and tinyfoa did not write it \(no \.tinyfoa-output marker\); give -o a new or empty folder/,
  },
  {
    name: 'generate -o a folder holding only a hidden file',
    setup: (s) => {
      mkdirSync(join(s.work, 'proj', '.git'), { recursive: true });
      return ['generate', s.model, '-o', 'proj'];
    },
    message: /proj: it is not empty and tinyfoa did not write it/,
  },
  {
    name: 'generate -o a folder whose marker has an unknown format tag',
    setup: (s) => {
      mkdirSync(join(s.work, 'fake'));
      writeFileSync(join(s.work, 'fake', OUTPUT_MARKER), 'tinyfoa-output 99\n');
      writeFileSync(join(s.work, 'fake', 'data.bin'), 'precious');
      return ['generate', s.model, '-o', 'fake'];
    },
    message: /fake: it is not empty and tinyfoa did not write it/,
  },
  {
    name: 'generate -o a folder whose marker is a folder',
    setup: (s) => {
      mkdirSync(join(s.work, 'odd', OUTPUT_MARKER), { recursive: true });
      return ['generate', s.model, '-o', 'odd'];
    },
    message: /odd: it is not empty and tinyfoa did not write it/,
  },
  {
    name: 'generate -o a tinyfoa folder with a file added at the top',
    setup: async (s) => {
      generated(s, 'gen');
      writeFileSync(join(s.work, 'gen', 'notes.md'), 'my notes\n');
      return ['generate', s.model, '-t', 'host', '-o', 'gen'];
    },
    message: /gen: it holds work tinyfoa did not write \(added notes\.md\); move those files out, or give -o another folder/,
  },
  {
    name: 'generate -o a tinyfoa folder with an edited source',
    setup: async (s) => {
      generated(s, 'gen');
      writeFileSync(join(s.work, 'gen', 'model', 'tiny_model.c'), '/* my tuning */\n', { flag: 'a' });
      return ['generate', s.model, '-t', 'host', '-o', 'gen'];
    },
    message: /\(changed model\/tiny_model\.c\)/,
  },
  {
    name: 'generate -o a tinyfoa folder with a file added in a subfolder',
    setup: async (s) => {
      generated(s, 'gen');
      writeFileSync(join(s.work, 'gen', 'runtime', 'my_store.c'), 'int s;\n');
      return ['generate', s.model, '-t', 'host', '-o', 'gen'];
    },
    message: /\(added runtime\/my_store\.c\)/,
  },
  {
    name: 'generate -o a tinyfoa folder where `make run` left job files and a store',
    setup: async (s) => {
      generated(s, 'gen');
      for (const f of ['job.bin', 'train.bin', 'tiny.store']) writeFileSync(join(s.work, 'gen', f), 'x');
      return ['generate', s.model, '-t', 'host', '-o', 'gen'];
    },
    message: /\(added job\.bin, tiny\.store, train\.bin\)/,
  },
  {
    name: 'generate -o a tinyfoa folder with a symbolic link inside',
    setup: async (s) => {
      generated(s, 'gen');
      symlinkSync(s.home, join(s.work, 'gen', 'home-link'));
      return ['generate', s.model, '-t', 'host', '-o', 'gen'];
    },
    message: /links or special files home-link/,
  },
  {
    name: 'generate -o a symbolic link to a tinyfoa folder',
    setup: async (s) => {
      generated(s, 'gen');
      symlinkSync(join(s.work, 'gen'), join(s.work, 'link'));
      return ['generate', s.model, '-t', 'host', '-o', 'link'];
    },
    message: /link: it is a symbolic link; give -o the folder itself or a new path/,
  },
  {
    name: 'generate -o a dangling symbolic link',
    setup: (s) => {
      symlinkSync(join(s.work, 'nowhere'), join(s.work, 'dangling'));
      return ['generate', s.model, '-o', 'dangling'];
    },
    message: /dangling: it is a symbolic link/,
  },
  {
    name: 'generate -o a path through a file',
    setup: (s) => {
      writeFileSync(join(s.work, 'f'), 'x');
      return ['generate', s.model, '-o', 'f/sub'];
    },
    message: (s) => re(`cannot write ${join(s.work, 'f', 'sub')}: ${join(s.work, 'f')} is a file, not a folder`),
  },
  { name: 'generate -o /proc/x (a pseudo file system; used to hang)', setup: (s) => ['generate', s.model, '-t', 'host', '-o', '/proc/x'], message: /cannot create \/proc\/x: .*\(ENOENT\); choose another -o on a writable folder/ },
  { name: 'generate -o /sys/x', setup: (s) => ['generate', s.model, '-t', 'host', '-o', '/sys/tinyfoa-out'], message: /cannot create \/sys\/tinyfoa-out: .*\(E[A-Z]+\)/ },
  {
    name: 'generate -o a name that is too long',
    setup: (s) => ['generate', s.model, '-o', 'x'.repeat(300)],
    message: /the path is too long \(ENAMETOOLONG\)/,
  },
  {
    name: 'generate -o inside a folder without write permission',
    setup: (s) => {
      mkdirSync(join(s.work, 'ro'));
      chmodSync(join(s.work, 'ro'), 0o555);
      return ['generate', s.model, '-t', 'host', '-o', 'ro/out'];
    },
    message: /cannot create .*ro\/out: permission denied \(EACCES\); choose another -o on a writable folder/,
    asNobody: true,
  },
  {
    name: 'generate -o a new folder under a parent without write permission',
    setup: (s) => {
      mkdirSync(join(s.work, 'ro'));
      chmodSync(join(s.work, 'ro'), 0o555);
      return ['generate', s.model, '-t', 'host', '-o', 'ro/a/b'];
    },
    message: /cannot create .*ro\/a: permission denied \(EACCES\)/,
    asNobody: true,
  },
  {
    name: 'generate -o a tinyfoa folder inside a read-only parent',
    setup: async (s) => {
      mkdirSync(join(s.work, 'ro'));
      generated(s, 'ro/gen');
      chmodSync(join(s.work, 'ro'), 0o555);
      return ['generate', s.model, '-t', 'host', '-o', 'ro/gen'];
    },
    message: /ro\/gen: permission denied \(EACCES\)/,
    asNobody: true,
  },
  { name: 'build -o . ', setup: (s) => ['build', s.model, '-t', 'host', '-o', '.'], message: /is the current folder/ },
  {
    name: 'build -o a foreign folder',
    setup: (s) => {
      mkdirSync(join(s.work, 'app', 'src'), { recursive: true });
      writeFileSync(join(s.work, 'app', 'src', 'main.c'), 'int main;\n');
      return ['build', s.model, '-t', 'host', '-o', 'app'];
    },
    message: /app: it is not empty and tinyfoa did not write it/,
  },
  {
    name: "build -o the folder of --store-source's file",
    setup: (s) => {
      mkdirSync(join(s.root, 'src'));
      writeFileSync(join(s.root, 'src', 'store.c'), 'int s;\n');
      return ['build', s.model, '-t', 'host', '--store', 'user', '--store-source', join(s.root, 'src', 'store.c'), '-o', join(s.root, 'src')];
    },
    message: (s) => re(`${join(s.root, 'src')} contains the input ${join(s.root, 'src', 'store.c')}`),
  },
  { name: 'memory -t host -o .', setup: (s) => ['memory', s.model, '-t', 'host', '-o', '.'], message: /is the current folder/ },
  {
    name: 'memory -t host -o an existing file',
    setup: (s) => ['memory', s.model, '-t', 'host', '-o', 'keep.c'],
    message: /keep\.c: it is a file, not a folder tinyfoa wrote/,
  },
  { name: 'run -o .', setup: (s) => ['run', s.model, '-d', 'mnist', '-t', 'host', '-o', '.'], message: /is the current folder/ },
  {
    name: 'run -o the idx data folder it reads',
    setup: (s) => {
      mkdirSync(join(s.root, 'data'));
      writeFileSync(join(s.root, 'data', 'train-images-idx3-ubyte'), 'x');
      return ['run', s.model, '-d', `idx:${join(s.root, 'data')}`, '-t', 'host', '-o', join(s.root, 'data')];
    },
    message: (s) => re(`${join(s.root, 'data')} is the input ${join(s.root, 'data')}`),
  },
  {
    name: 'run --state . (the current folder)',
    setup: (s) => ['run', s.model, '-d', 'mnist', '-t', 'host', '-o', 'o', '--state', '.'],
    message: /refusing to keep training state in .*: .* is the current folder; give --state a new folder/,
  },
  {
    name: 'run --state a foreign folder',
    setup: (s) => {
      mkdirSync(join(s.work, 'results'));
      writeFileSync(join(s.work, 'results', 'paper.tex'), 'x');
      return ['run', s.model, '-d', 'mnist', '-t', 'host', '--store', 'file', '-o', 'o', '--state', 'results'];
    },
    message: /results as a state folder: it is not empty and tinyfoa did not make it \(no \.tinyfoa-state marker\)/,
  },
  {
    name: 'run --state an existing file',
    setup: (s) => ['run', s.model, '-d', 'mnist', '-t', 'host', '-o', 'o', '--state', 'keep.c'],
    message: /keep\.c as a state folder: it is a file/,
  },
  {
    name: 'run --state inside the output folder',
    setup: (s) => ['run', s.model, '-d', 'mnist', '-t', 'host', '-o', 'o', '--state', 'o/state'],
    message: /o\/state: it is inside .*\/o, which a rebuild replaces; give --state a folder outside it/,
  },
  {
    name: 'run with the output folder and the state folder the same',
    setup: (s) => ['run', s.model, '-d', 'mnist', '-t', 'host', '-o', 'same', '--state', 'same'],
    message: /same is the folder .*same/,
  },
  {
    name: 'run --state that contains the output folder',
    setup: (s) => ['run', s.model, '-d', 'mnist', '-t', 'host', '-o', 'st/o', '--state', 'st'],
    message: /st contains the folder .*st\/o/,
  },
  {
    name: 'run with a foreign folder where the default state folder goes',
    setup: (s) => {
      mkdirSync(join(s.work, 'o.state'));
      writeFileSync(join(s.work, 'o.state', 'thesis.pdf'), 'x');
      return ['run', s.model, '-d', 'mnist', '-t', 'host', '--store', 'file', '-o', 'o'];
    },
    message: /o\.state as a state folder: it is not empty and tinyfoa did not make it/,
  },
  {
    name: 'run --resume with nothing to resume writes nothing',
    setup: (s) => ['run', s.model, '-d', 'mnist', '--limit', '4', '-t', 'host', '--store', 'file', '-o', 'fresh', '--resume'],
    message: /nothing to resume: .*fresh\.state\/tiny\.store does not exist/,
  },
  {
    name: 'run while another tinyfoa holds the state folder',
    setup: (s) => {
      mkdirSync(join(s.work, 'o.state'));
      writeFileSync(join(s.work, 'o.state', '.tinyfoa-state'), 'tinyfoa-state 1\n');
      writeFileSync(join(s.work, 'o.state', 'lock'), `${process.pid}\n`); // a live process: this test's
      return ['run', s.model, '-d', 'mnist', '--limit', '4', '-t', 'host', '--store', 'file', '-o', 'o'];
    },
    message: new RegExp(`o\\.state is in use by tinyfoa \\(pid ${process.pid}\\); wait for it to end or stop it`),
  },
  {
    name: 'run while a firmware process left by a killed run still works in the state folder',
    setup: (s) => {
      const state = join(s.work, 'o.state');
      mkdirSync(state);
      writeFileSync(join(state, '.tinyfoa-state'), 'tinyfoa-state 1\n');
      writeFileSync(join(state, 'lock'), '999999999\n'); // the killed tinyfoa's pid: gone
      const orphan = spawn('sleep', ['120'], { cwd: state, stdio: 'ignore' });
      s.cleanups.push(() => orphan.kill('SIGKILL'));
      return ['run', s.model, '-d', 'mnist', '--limit', '4', '-t', 'host', '--store', 'file', '-o', 'o'];
    },
    message: /o\.state is in use by a firmware run \(pid \d+\)/,
  },
  {
    name: 'demo -o a file',
    setup: (s) => ['demo', '--model', s.model, '--limit', '4', '--limit-test', '4', '-t', 'host', '-o', 'keep.c'],
    message: (s) => re(`${join(s.work, 'keep.c')} is a file, not a folder`),
  },
  {
    name: 'verify -o a path through a file',
    setup: (s) => ['verify', s.model, '-d', 'mnist', '--targets', 'host', '--steps', '2', '--every', '1', '-o', 'keep.c/v'],
    message: (s) => re(`${join(s.work, 'keep.c')} is a file, not a folder`),
  },
];

const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

describe('output paths that tinyfoa refuses', () => {
  it('has at least 40 cases', () => expect(refusals.length).toBeGreaterThanOrEqual(40));

  it.concurrent.each(refusals)('$name', { timeout: 200_000 }, async (c) => {
    const s = sandbox();
    const args = await c.setup(s);
    if (c.asNobody) chmodSync(s.root, 0o777);
    const before = snapshot(s.root);
    const examplesBefore = snapshot(join(repo, 'examples'));
    const r = await tinyfoa(s, args, c.asNobody ? nobody : {}).finally(() => s.cleanups.forEach((f) => f()));
    expect(r.timedOut, 'the command must not hang').toBe(false);
    expect(r.exitCode, `${r.stderr}`).toBe(c.exit ?? 2);
    expect(r.stderr).toMatch(typeof c.message === 'function' ? c.message(s) : c.message);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(snapshot(s.root), 'nothing written or removed').toEqual(before);
    expect(snapshot(join(repo, 'examples'))).toEqual(examplesBefore);
  });
});

describe('output folders that tinyfoa replaces', () => {
  it('replaces its own folder, an empty folder, and a built folder (build/ is regenerable); keeps every other file', async () => {
    const s = sandbox();
    mkdirSync(join(s.work, 'empty'));
    for (const out of ['gen', 'empty']) {
      const first = await tinyfoa(s, ['generate', s.model, '-t', 'host', '-o', out]);
      expect(first.exitCode, first.stderr).toBe(0);
      const second = await tinyfoa(s, ['generate', s.model, '-t', 'cortex-m4', '-o', out]);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(s.work, out, 'tinyfoa.json'), 'utf8')).target).toBe('cortex-m4');
    }
    // make's outputs under build/ do not make the folder foreign.
    mkdirSync(join(s.work, 'gen', 'build'));
    writeFileSync(join(s.work, 'gen', 'build', 'firmware.elf'), 'x');
    const third = await tinyfoa(s, ['generate', s.model, '-t', 'host', '-o', 'gen']);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(existsSync(join(s.work, 'gen', 'build'))).toBe(false);
    expect(readFileSync(join(s.work, 'keep.c'), 'utf8')).toBe('int keep;\n');
    expect(readdirSync(s.work).filter((n) => n.includes('tinyfoa-'))).toEqual([]);
  }, 300_000);

  it('a failed build (compile error, a model that does not fit) leaves the previous build in place', async () => {
    const s = sandbox();
    const ok = await tinyfoa(s, ['build', s.model, '-t', 'host', '-o', 'b']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const before = snapshot(s.root);
    writeFileSync(join(s.root, 'broken.c'), 'this is not C\n');
    const broken = await tinyfoa(s, ['build', s.model, '-t', 'host', '--store', 'user', '--store-source', join(s.root, 'broken.c'), '-o', 'b']);
    expect(broken.exitCode).toBe(3);
    expect(broken.stderr).toMatch(/b was left as it was/);
    expect(broken.stderr).not.toMatch(/\n\s+at |internal error/);
    rmSync(join(s.root, 'broken.c'));
    writeFileSync(join(s.root, 'models', 'big.ts'), TINY.replace("name: 'tiny'", "name: 'big'").replace('features: 784', 'features: 40').replace('units: 8', 'units: 4000'));
    const big = await tinyfoa(s, ['build', join(s.root, 'models', 'big.ts'), '-t', 'cortex-m3', '-o', 'b']);
    expect(big.exitCode).toBe(2);
    expect(big.stderr).toMatch(/does not fit/);
    // Into a new path, a failed build leaves nothing behind, not even the parent folders it made.
    const bigNew = await tinyfoa(s, ['build', join(s.root, 'models', 'big.ts'), '-t', 'cortex-m3', '-o', 'fresh/deep/b']);
    expect(bigNew.exitCode).toBe(2);
    expect(existsSync(join(s.work, 'fresh'))).toBe(false);
    rmSync(join(s.root, 'models', 'big.ts'));
    expect(snapshot(s.root)).toEqual(before);
  }, 300_000);

  it('cleans up temporaries of killed runs and puts back a folder a kill left aside', () => {
    const s = sandbox();
    const out = join(s.work, 'gen');
    writeOutputFolder(out, [{ path: 'a.txt', contents: 'one' }]);
    // A kill between the two renames of a swap: the old folder is aside, nothing at its name.
    const aside = join(s.work, '.gen.tinyfoa-old-999999999-0badc0de');
    renameSync(out, aside);
    // A killed run's half-written new folder (its pid no longer exists), and a look-alike that is not ours.
    const deadNew = join(s.work, '.gen.tinyfoa-new-999999999-0badc0df');
    mkdirSync(deadNew);
    writeFileSync(join(deadNew, OUTPUT_MARKER), 'tinyfoa-output 1\n');
    writeFileSync(join(deadNew, 'half.txt'), 'half');
    // Killed while writing its marker: the marker file exists and holds 0 bytes, or the tag's start.
    const emptyMarker = join(s.work, '.gen.tinyfoa-new-999999997-0badc0d0');
    mkdirSync(emptyMarker);
    writeFileSync(join(emptyMarker, OUTPUT_MARKER), '');
    const halfMarker = join(s.work, '.gen.tinyfoa-new-999999997-0badc0d1');
    mkdirSync(halfMarker);
    writeFileSync(join(halfMarker, OUTPUT_MARKER), 'tinyfo');
    const foreign = join(s.work, '.gen.tinyfoa-new-999999998-0badc0de');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'mine.txt'), 'mine');
    // A look-alike marker with other content, or with a file beside it, is not ours either.
    const otherMarker = join(s.work, '.gen.tinyfoa-new-999999998-0badc0d2');
    mkdirSync(otherMarker);
    writeFileSync(join(otherMarker, OUTPUT_MARKER), 'my notes');
    const markerAndFile = join(s.work, '.gen.tinyfoa-new-999999998-0badc0d3');
    mkdirSync(markerAndFile);
    writeFileSync(join(markerAndFile, OUTPUT_MARKER), '');
    writeFileSync(join(markerAndFile, 'mine.txt'), 'mine');
    // A live process's temporary is not touched.
    const live = join(s.work, `.gen.tinyfoa-new-${process.ppid}-0badc0de`);
    mkdirSync(live);
    // The next write puts the old folder back first, so a refusal would still protect it.
    writeFileSync(join(aside, 'user-added.txt'), 'added after');
    expect(() => writeOutputFolder(out, [{ path: 'a.txt', contents: 'two' }])).toThrow(/added user-added\.txt/);
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('one');
    rmSync(join(out, 'user-added.txt'));
    writeOutputFolder(out, [{ path: 'a.txt', contents: 'two' }]);
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('two');
    expect(existsSync(aside)).toBe(false);
    expect(existsSync(deadNew)).toBe(false);
    expect(existsSync(emptyMarker)).toBe(false);
    expect(existsSync(halfMarker)).toBe(false);
    expect(readFileSync(join(foreign, 'mine.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(join(otherMarker, OUTPUT_MARKER), 'utf8')).toBe('my notes');
    expect(readFileSync(join(markerAndFile, 'mine.txt'), 'utf8')).toBe('mine');
    expect(existsSync(live)).toBe(true);
  });

  it('a kill at any moment of a replace leaves one whole folder, old or new', async () => {
    const s = sandbox();
    const out = join(s.work, 'gen');
    const script = join(s.root, 'writer.ts');
    // Writes generation 1, 2, 3 … of a 60-file folder, forever, until killed.
    writeFileSync(
      script,
      `import { writeOutputFolder } from ${JSON.stringify(join(repo, 'generator/emit/folders.ts'))};\n` +
        `for (let g = 1; ; g++) writeOutputFolder(${JSON.stringify(out)}, Array.from({ length: 60 }, (_, i) => ({ path: 'd' + (i % 6) + '/f' + i + '.txt', contents: String(g).repeat(2000) })));\n`,
    );
    writeOutputFolder(out, [{ path: 'd0/f0.txt', contents: '0' }]);
    const seen = new Set<string>();
    for (let k = 0; k < 5; k++) {
      const child = spawn('node', ['--import', 'tsx', script], { cwd: repo, stdio: 'ignore' });
      await new Promise((res) => setTimeout(res, 1200 + k * 131));
      child.kill('SIGKILL');
      await new Promise((res) => child.on('exit', res));
      // Right after the kill: the folder is whole (its marker matches every file) and of one generation.
      const recovered = existsSync(out) ? out : null;
      if (recovered === null) {
        // Killed between the two renames: the next write restores it first; check that path too.
        const aside = readdirSync(s.work).filter((n) => n.startsWith('.gen.tinyfoa-old-'));
        expect(aside.length).toBe(1);
        seen.add('aside');
        continue;
      }
      expect(() => checkOutputFolder(out)).not.toThrow();
      const gens = new Set<string>();
      for (const d of readdirSync(out).filter((n) => n.startsWith('d'))) {
        for (const f of readdirSync(join(out, d))) gens.add(readFileSync(join(out, d, f), 'utf8'));
      }
      expect(gens.size).toBe(1);
      seen.add('whole');
    }
    expect(seen.has('whole')).toBe(true);
    // The next write cleans every temporary the kills left.
    writeOutputFolder(out, [{ path: 'last.txt', contents: 'last' }]);
    expect(readdirSync(s.work).filter((n) => n.includes('.tinyfoa-'))).toEqual([]);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'last.txt']);
  }, 60_000);
});
