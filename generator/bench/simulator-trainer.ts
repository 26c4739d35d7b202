/**
 * The TinyFoA row of the bench: the reference simulator (bit-exact with the firmware), with one
 * test evaluation after every epoch of every layer.
 */
import { simulate } from '../sim/train.ts';
import type { TinyFoATrainer } from './table1.ts';

export const simulatorTrainer: TinyFoATrainer = async (ir, data, o) => {
  const errors: number[] = [];
  let epoch = 0;
  const r = simulate(ir, data, {
    ...(o.limitTrain !== undefined ? { limitTrain: o.limitTrain } : {}),
    ...(o.limitTest !== undefined ? { limitTest: o.limitTest } : {}),
    onEpoch: (e) => {
      errors.push(1 - e.accuracy);
      o.onEpoch?.(++epoch, 1 - e.accuracy);
    },
  });
  return { testError: 1 - r.accuracy, perEpochError: errors, seconds: r.seconds };
};
