/**
 * Flash, RAM, stack and instructions per prediction of an exported model (docs/runtime.md,
 * "Export"). Usage:
 *   npx tsx scripts/export-size.ts <model.ts> <store file or state folder> [--layer l] [--samples n]
 * For each of cortex-m4 and stm32f405: the sections of the smallest firmware around the export
 * (scripts/export-size-main.c: one sample buffer, one prediction, no stdio; stack reserved 1 KiB,
 * no heap). On cortex-m4 also test/runtime/infer_main.c in QEMU -icount on the first n MNIST test
 * samples: the prediction's stack high-water mark and instructions per prediction.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../generator/data/index.ts';
import { exportModel } from '../generator/export/export.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { prepareSplit } from '../generator/sim/train.ts';
import { compileFirmware } from '../generator/toolchain/compile.ts';
import { runFirmware } from '../generator/toolchain/run.ts';
import { getTarget } from '../targets/targets.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const layer = flag('--layer');
const samples = Number(flag('--samples') ?? '100');
const [modelPath, from] = args;
if (!modelPath || !from) throw new Error('usage: npx tsx scripts/export-size.ts <model.ts> <store|state folder> [--layer l] [--samples n]');
const ir = parseModelFile(modelPath);
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-export-size-'));
const folder = join(work, 'exported');
const plan = exportModel(ir, from, folder, getTarget('cortex-m4'), layer !== undefined ? { layer: Number(layer) } : {});
const cFiles = (dir: string) => readdirSync(join(folder, dir)).filter((n) => n.endsWith('.c')).map((n) => join(folder, dir, n));
const sources = [...cFiles('model'), ...cFiles('runtime')];
const common = { includeDirs: [join(folder, 'model'), join(folder, 'runtime')], defines: { TF_EXPORT_HEADER: `"${ir.name}_infer.h"` } };
const report: Record<string, unknown> = { model: ir.name, predictLayer: plan.layer, steps: plan.steps, constBytes: plan.constBytes, scratchBytes: plan.scratchBytes };
for (const target of ['cortex-m4', 'stm32f405']) {
  const fw = await compileFirmware({
    target,
    sources: [...sources, join(root, 'scripts', 'export-size-main.c')],
    ...common,
    outDir: join(work, `size-${target}`),
    layout: { stackBytes: 1024, heapBytes: 0 },
  });
  const s = fw.sizes;
  report[target] = { text: s.text, rodata: s.rodata, data: s.data, bss: s.bss, stackReserved: s.stack, heap: s.heap, flash: s.flash, staticRam: s.data + s.bss };
}
const data = loadDataset('mnist', { classes: ir.classes });
const test = prepareSplit(data.test, ir, samples);
const out = join(work, 'run-cortex-m4');
const fw = await compileFirmware({ target: 'cortex-m4', sources: [...sources, join(root, 'test', 'runtime', 'infer_main.c')], ...common, outDir: out });
writeFileSync(join(out, 'samples.bin'), test.samples.subarray(0, test.count * ir.input.features));
const r = await runFirmware({ target: 'cortex-m4', elf: fw.elf, cwd: out, timeoutMs: 600_000, icount: true, logFile: join(out, 'run.log') });
if (!r.passed) throw new Error(`cortex-m4 run failed: ${r.stdout.slice(-300)}`);
const stack = Number(/^STACK (\d+)$/m.exec(r.stdout)?.[1]);
const [, ticks = '0', n = '1'] = /^TICKS (\d+) (\d+)$/m.exec(r.stdout) ?? [];
// SysTick at 25 MHz under -icount shift=0 (one instruction per ns): 40 instructions a tick (docs/targets.md).
report.cortexM4Run = { samples: Number(n), stackHighWater: stack, instructionsPerPrediction: Math.round((Number(ticks) * 40) / Number(n)) };
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
