import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureMemory } from '../generator/firmware/measure.ts';
import { analyticMemory } from '../generator/memory/analytic.ts';
import { parseModelFile } from '../generator/model/parse.ts';

const work = mkdtempSync(join(tmpdir(), 'tinyfoa-memory-'));
const mcu = parseModelFile(new URL('../examples/mnist-mcu.ts', import.meta.url).pathname);

describe('measured memory of the MCU example', () => {
  for (const target of ['cortex-m3', 'cortex-m4', 'cortex-m7']) {
    it(`on ${target}: the firmware's arena equals the planner's, the SRAM working set is under 48 KiB and fits the part`, async () => {
      const m = await measureMemory(mcu, target, join(work, target), { store: 'file' });
      // The runtime's figure from the descriptor against the planner's arithmetic, and the linked array.
      expect(m.arena).toBe(m.planArena);
      expect(m.elfArena).toBe(m.planArena);
      expect(m.storeInRam).toBe(false);
      expect(m.stackHighWater).toBeGreaterThan(0);
      expect(m.stackHighWater!).toBeLessThan(8192);
      expect(m.sramWorkingSet!).toBeLessThan(48 * 1024);
      expect(m.sramWorkingSet!).toBeLessThan(m.deviceRamBytes!);
      expect(m.flash).toBeLessThan(m.deviceFlashBytes!);
      // The same network's fp32 backprop needs far more than the working set.
      expect(analyticMemory(mcu, 'bp').update).toBeGreaterThan(30 * m.sramWorkingSet!);
    });
  }
});
