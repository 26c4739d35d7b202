#!/usr/bin/env node
// Installs what tinyfoa needs and is missing: npm packages, then the Debian
// packages for cross-compiling, emulation and data. Idempotent and quiet when
// everything is present. Uses only Node built-ins: it runs before `npm install`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function say(msg) {
  process.stderr.write(`setup: ${msg}\n`);
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Debian package → how to tell it is installed. */
const debianNeeds = [
  { pkg: 'gcc-arm-none-eabi', present: () => has('arm-none-eabi-gcc') },
  {
    pkg: 'libnewlib-arm-none-eabi',
    present: () => existsSync('/usr/lib/arm-none-eabi/newlib') || existsSync('/usr/lib/arm-none-eabi/lib/libc.a'),
  },
  { pkg: 'qemu-system-arm', present: () => has('qemu-system-arm') },
  { pkg: 'dataset-fashion-mnist', present: () => existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') },
  { pkg: 'cppcheck', present: () => has('cppcheck') },
  { pkg: 'librsvg2-bin', present: () => has('rsvg-convert') },
  { pkg: 'gcc', present: () => has('gcc') },
  { pkg: 'cmake', present: () => has('cmake') },
  { pkg: 'ninja-build', present: () => has('ninja') },
  // Loads board images through a GDB server (QEMU's gdbstub in the tests; openocd, pyocd, J-Link on real probes).
  { pkg: 'gdb-multiarch', present: () => has('gdb-multiarch') },
  { pkg: 'openocd', present: () => has('openocd') },
];

function installDebian() {
  const missing = debianNeeds.filter((n) => !n.present()).map((n) => n.pkg);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    say(`missing Debian packages: ${missing.join(' ')}`);
    say(`install them as root with: apt-get update && apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  const still = debianNeeds.filter((n) => !n.present()).map((n) => n.pkg);
  if (still.length > 0) {
    say(`apt-get finished but these are still missing: ${still.join(' ')}`);
    process.exit(1);
  }
}

function installNpm() {
  const lock = join(root, 'package-lock.json');
  const manifest = join(root, 'package.json');
  const stamp = join(root, 'node_modules', '.tinyfoa-setup');
  const hash = () =>
    createHash('sha256')
      .update(readFileSync(manifest))
      .update(existsSync(lock) ? readFileSync(lock) : '')
      .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash()) return;
  say('installing npm packages');
  const args = ['install', '--no-audit', '--no-fund'];
  const r = spawnSync('npm', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    say(`npm ${args[0]} failed (exit ${r.status})`);
    process.exit(1);
  }
  writeFileSync(stamp, hash());
}

installNpm();
installDebian();
