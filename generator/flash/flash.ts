/**
 * `tinyfoa flash`: programs a built board image into the real part through a probe. Every
 * board fact (openocd configuration, pyocd target, st-flash address, UF2 family) comes from
 * the target record's `flash` field (targets/targets.ts); this file only turns them into a
 * command line, runs it, and says what to install when a tool is missing (docs/targets.md,
 * "Flashing a board").
 */
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';

import { assertNever, BadInputError, ToolFailedError } from '../errors.ts';
import { formatCommand } from '../toolchain/compile.ts';
import { targetNames, targets, type BoardFlash, type ProbeKind, type Target } from '../../targets/targets.ts';
import { uf2Image } from './uf2.ts';

export const probeKinds: readonly ProbeKind[] = ['openocd', 'pyocd', 'stlink', 'gdb', 'uf2'];

/** openocd's GDB port: the default server for `--probe gdb`. */
export const DEFAULT_GDB_SERVER = 'localhost:3333';

/** The images of one build: the ELF, its raw flash image and, for UF2 boards, the UF2 file. */
export interface FlashImages {
  elf: string;
  bin: string;
  uf2: string | null;
}

export interface FlashPlan {
  target: string;
  probe: ProbeKind;
  /** The image the command writes. */
  image: string;
  /** The exact argv (for UF2: the copy, as `cp` would do it). */
  command: string[];
  /** The Debian package that provides the command's program. */
  debianPackage: string;
}

export interface FlashOptions {
  /** `--probe gdb`: the GDB server's address (openocd :3333, pyocd gdbserver :3333, J-Link :2331, QEMU -gdb). */
  gdbServer?: string;
  /** `--probe uf2`: the mounted boot drive (default /media/$USER/<volume>). */
  uf2Drive?: string;
}

/** Board targets: those a probe can program. */
export const boardNames: readonly string[] = targetNames.filter((name) => targets[name].flash !== null);

/** The flash facts of a board; an emulator-only target is bad input that lists the boards. */
export function boardFlash(target: Target): BoardFlash {
  if (target.flash === null) {
    throw new BadInputError(
      `target ${target.name} runs only in the emulator and cannot be flashed; boards are ${boardNames.join(', ')} (--board)`,
    );
  }
  return target.flash;
}

function unsupported(target: Target, probe: ProbeKind, why: string): BadInputError {
  const flash = boardFlash(target);
  const usable = probeKinds.filter((p) => probeSupported(flash, p));
  return new BadInputError(`--probe ${probe} cannot program ${target.name}: ${why}; use --probe ${usable.join(' | ')}`);
}

function probeSupported(flash: BoardFlash, probe: ProbeKind): boolean {
  switch (probe) {
    case 'openocd':
      return flash.openocd.length > 0;
    case 'pyocd':
      return flash.pyocd !== null;
    case 'stlink':
      return flash.stlinkAddress !== null;
    case 'gdb':
      return true;
    case 'uf2':
      return flash.uf2FamilyId !== null;
    default:
      return assertNever(probe);
  }
}

/** The command that programs `images` into `target` with `probe` (nothing is run). */
export function flashPlan(target: Target, probe: ProbeKind, images: FlashImages, options: FlashOptions = {}): FlashPlan {
  const flash = boardFlash(target);
  const base = { target: target.name, probe };
  switch (probe) {
    case 'openocd':
      if (flash.openocd.length === 0) throw unsupported(target, probe, 'openocd has no configuration for it');
      return {
        ...base,
        image: images.elf,
        command: ['openocd', ...flash.openocd.flatMap((file) => ['-f', file]), '-c', `program ${images.elf} verify reset exit`],
        debianPackage: 'openocd',
      };
    case 'pyocd':
      if (flash.pyocd === null) throw unsupported(target, probe, 'pyocd has no built-in target for it');
      return { ...base, image: images.elf, command: ['pyocd', 'flash', '--target', flash.pyocd, images.elf], debianPackage: 'python3-pyocd' };
    case 'stlink':
      if (flash.stlinkAddress === null) throw unsupported(target, probe, 'st-flash programs STM32 parts only');
      return {
        ...base,
        image: images.bin,
        command: ['st-flash', '--reset', 'write', images.bin, `0x${flash.stlinkAddress.toString(16).padStart(8, '0')}`],
        debianPackage: 'stlink-tools',
      };
    case 'gdb': {
      // Load into flash through any GDB server, then start the image the way a reset does:
      // stack pointer and entry from its vector table (__vector_table, targets/arm/sections.ld).
      const server = options.gdbServer ?? DEFAULT_GDB_SERVER;
      return {
        ...base,
        image: images.elf,
        command: [
          'gdb-multiarch',
          '-batch',
          '-ex',
          `target extended-remote ${server}`,
          '-ex',
          'load',
          '-ex',
          'set $sp = ((unsigned int *)&__vector_table)[0]',
          '-ex',
          'set $pc = ((unsigned int *)&__vector_table)[1]',
          '-ex',
          'detach',
          images.elf,
        ],
        debianPackage: 'gdb-multiarch',
      };
    }
    case 'uf2': {
      if (flash.uf2FamilyId === null || flash.uf2Volume === null || images.uf2 === null) {
        throw unsupported(target, probe, 'it has no UF2 boot loader');
      }
      const drive = options.uf2Drive ?? join('/media', process.env.USER ?? 'root', flash.uf2Volume);
      return { ...base, image: images.uf2, command: ['cp', images.uf2, `${drive}/`], debianPackage: 'coreutils' };
    }
    default:
      return assertNever(probe);
  }
}

/** Writes `<dir>/firmware.bin` (raw flash image) and, for UF2 boards, `<dir>/firmware.uf2`, from the ELF. */
export async function flashImages(target: Target, elf: string): Promise<FlashImages> {
  const flash = boardFlash(target);
  const bin = elf.replace(/\.elf$/, '.bin');
  const objcopy = [target.objcopy, '-O', 'binary', elf, bin];
  const result = await execa(objcopy[0]!, objcopy.slice(1), { reject: false, stdin: 'ignore' });
  if (result.failed) {
    throw new ToolFailedError(`making the raw image of ${basename(elf)} failed (${formatCommand(objcopy)}): ${String(result.stderr ?? result.shortMessage)}`);
  }
  let uf2: string | null = null;
  if (flash.uf2FamilyId !== null && target.emulatorMemory !== null) {
    uf2 = elf.replace(/\.elf$/, '.uf2');
    await writeFile(uf2, uf2Image(await readFile(bin), target.emulatorMemory.code.origin, flash.uf2FamilyId));
  }
  return { elf, bin, uf2 };
}

/** Runs a flash plan; a missing tool or drive is a ToolFailedError (exit 3) that says what to install or do. */
export async function runFlash(plan: FlashPlan): Promise<void> {
  const [program, ...args] = plan.command as [string, ...string[]];
  if (plan.probe === 'uf2') {
    const drive = args[1]!;
    const mounted = await stat(drive).then((s) => s.isDirectory(), () => false);
    if (!mounted) {
      throw new ToolFailedError(
        `the board's boot drive ${drive} is not mounted: hold BOOTSEL while plugging the board in, or give the mount point with --uf2-drive <dir>`,
      );
    }
    await copyFile(plan.image, join(drive, basename(plan.image)));
    return;
  }
  const result = await execa(program, args, { reject: false, stdin: 'ignore', all: true });
  if (result.failed) {
    if (result.code === 'ENOENT') {
      throw new ToolFailedError(
        `'${program}' is not installed: install the Debian package ${plan.debianPackage} (apt-get install -y ${plan.debianPackage}) or choose another --probe`,
      );
    }
    throw new ToolFailedError(`flashing ${plan.target} failed (exit ${String(result.exitCode ?? result.signal)}): ${formatCommand(plan.command)}\n${String(result.all ?? '')}`);
  }
}
