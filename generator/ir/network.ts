/**
 * ModelIRs built from plain values rather than a model file: benches, the
 * baselines and tests describe a fully connected network by its sizes and get
 * the same IR a parsed model would give, with TinyFoA's defaults for the
 * training fields.
 */
import { buildLayers, type ModelIR } from './ir.ts';

/** A ModelIR for a plain fully connected network (no file), with TinyFoA defaults for the training fields. */
export function networkIR(
  features: number,
  units: number[],
  classes: number,
  slices: number,
  training: Partial<ModelIR['training']> = {},
  name = 'net',
): ModelIR {
  const layers = buildLayers(features, units, slices);
  return {
    name,
    source: '',
    input: { features, encoding: 'u8' },
    classes,
    layers,
    training: {
      slices,
      optimizer: { kind: 'sgd', learningRate: 0.01 },
      batchSize: 1,
      epochsPerLayer: 1,
      seed: 1,
      blockSchedule: 'cyclic',
      gradientGate: 'symmetric',
      inputScale: 'fixed',
      algorithm: 'tinyfoa',
      ...training,
    },
  };
}

/** The paper's network as design.md reconstructs it: 2000 features, three 2000-unit layers, 10 classes, M = 2. */
export function paperNetworkIR(): ModelIR {
  return networkIR(2000, [2000, 2000, 2000], 10, 2, {}, 'paper');
}
