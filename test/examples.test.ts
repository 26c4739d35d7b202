import { describe, expect, it } from 'vitest';
import { analyticMemory, toMB } from '../generator/memory/analytic.ts';
import { parseModelFile } from '../generator/model/parse.ts';

const example = (name: string) => new URL(`../examples/${name}`, import.meta.url).pathname;

describe('bundled examples', () => {
  it('every example parses', () => {
    for (const f of ['mnist.ts', 'mnist-mcu.ts', 'fashion.ts', 'table1.ts', 'authors-variant.ts']) expect(parseModelFile(example(f)).name).toMatch(/^\w+$/);
  });

  it("examples/table1.ts reproduces the paper's Table 1 memory columns", () => {
    const ir = parseModelFile(example('table1.ts'));
    const mb = (a: 'bp' | 'tinyfoa') => {
      const m = analyticMemory(ir, a);
      return [m.forward, m.gradient, m.update].map((b) => Number(toMB(b).toFixed(2)));
    };
    expect(mb('bp')).toEqual([48.06, 96.06, 96.06]);
    expect(mb('tinyfoa')).toEqual([0.5, 4.01, 8.0]);
  });
});
