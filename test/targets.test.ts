/**
 * Targets are data: the build and run facts of a target come from its record alone, through
 * one function (generator/toolchain/facts.ts), and the compiler driver, the runtime library
 * and the generated Makefile all use them.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFolder } from '../generator/firmware/device.ts';
import type { ModelIR } from '../generator/ir/ir.ts';
import { networkIR } from '../generator/ir/network.ts';
import { compileCommand } from '../generator/toolchain/compile.ts';
import { buildFacts, emulatorCommand, MANDATORY_CFLAGS } from '../generator/toolchain/facts.ts';
import { runCommand } from '../generator/toolchain/run.ts';
import { targetNames, targets } from '../targets/targets.ts';

const work = mkdtempSync(join(tmpdir(), 'tinyfoa-targets-'));

const tiny: ModelIR = networkIR(8, [8], 2, 1, { optimizer: { kind: 'sgd', learningRate: 0.1 } }, 'tiny');

describe('build facts', () => {
  it('a UART board runs in QEMU with its console on the serial chardev and no semihosting', () => {
    const command = emulatorCommand(targets.stm32f405, { elf: 'fw.elf', serial: 'pty' });
    expect(command).toEqual(['qemu-system-arm', '-M', 'netduinoplus2', '-nographic', '-monitor', 'none', '-serial', 'pty', '-kernel', 'fw.elf']);
    expect(emulatorCommand(targets['cortex-m33'], { elf: 'fw.elf', argv: ['fw.elf'] })).toContain('mps2-an505');
  });

  for (const name of targetNames) {
    const target = targets[name];
    it(`${name}: the compile command is made of the target's facts`, () => {
      const facts = buildFacts(target);
      expect(facts.cflags).toEqual(expect.arrayContaining([...MANDATORY_CFLAGS, ...target.cpuFlags]));
      const { command } = compileCommand({ target, sources: ['a.c'], includeDirs: [], outDir: join(work, name) });
      expect(command[0]).toBe(target.compiler);
      for (const flag of [...facts.cflags, ...facts.includes, ...facts.ldflags, ...facts.ldlibs, ...facts.runtimeSources]) {
        expect(command, flag).toContain(flag);
      }
    });

    it(`${name}: the generated Makefile carries the same flags and the runner's command`, () => {
      const out = join(work, `folder-${name}`);
      generateFolder(tiny, name, out);
      const makefile = readFileSync(join(out, 'Makefile'), 'utf8');
      const facts = buildFacts(target, { fileName: (f) => `target/${f.split('/').pop()!}` });
      expect(makefile).toContain(`CFLAGS  = ${facts.cflags.join(' ')}\n`);
      expect(makefile).toContain(`LDFLAGS = ${facts.ldflags.join(' ')}\n`);
      expect(makefile).toContain(`LDLIBS  = ${facts.ldlibs.join(' ')}\n`);
      if (target.runner === 'none') {
        expect(() => runCommand({ target, elf: 'build/firmware.elf' })).toThrow(/build-only board.*tinyfoa flash/);
        expect(makefile).toContain(`is a build-only board: program it with tinyfoa flash <model> --board ${name}`);
      } else {
        const run = runCommand({ target, elf: 'build/firmware.elf' });
        if (target.qemu !== null) expect(makefile).toContain(`-M ${target.qemu.machine}`);
        expect(run).toEqual(emulatorCommand(target, { elf: resolve('build/firmware.elf'), argv: ['firmware.elf'] }));
      }
      const resc = join(out, 'renode.resc');
      if (target.renode === null) {
        expect(existsSync(resc)).toBe(false);
      } else {
        const script = readFileSync(resc, 'utf8');
        expect(script).toContain(`machine LoadPlatformDescription @${target.renode.platform}\n`);
        expect(script).toContain('sysbus LoadELF $ORIGIN/build/firmware.elf\n');
        expect(script).toContain(`connector Connect ${target.renode.uart} console\n`);
      }
    });
  }
});
