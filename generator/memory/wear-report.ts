/**
 * The flash wear figures of `tinyfoa memory` (docs/store.md, "Wear"): the NOR flash store's
 * layout for the model on each geometry, its bytes programmed and sector erases per training
 * sample and per epoch, and when its most-worn sector reaches the part's rated endurance.
 */
import { layerBlocks, learnSteps, type ModelIR } from '../ir/ir.ts';
import { META_FLOATS } from '../plan/plan.ts';
import { NOR_PRESETS, norWear, planNorLayout, type NorGeometry, type NorWear } from './nor.ts';

/** Floats of every store record, as the planner lays them out (blocks, bias, meta per layer). */
function recordFloats(ir: ModelIR): number[] {
  const adam = ir.training.optimizer.kind === 'adam';
  const per = adam ? 3 : 1;
  const tail = adam ? 2 : 0;
  return ir.layers.flatMap((l) => [...layerBlocks(l).map((b) => per * b.size + tail), per * l.units + tail, META_FLOATS]);
}

export interface FlashWearReport {
  geometry: NorGeometry;
  /** null: the store does not fit the part (partSectors) or the region given. */
  wear: NorWear | null;
  neededSectors: number;
  /** Why the lifetime is short, when it is (the schedule wears the part out, or under a year at the sample rate). */
  warning: string | null;
}

/** One year, the lifetime below which `memory` warns. */
const YEAR_SECONDS = 365 * 24 * 3600;

export function flashWear(ir: ModelIR, geometry?: NorGeometry, samplesPerSecond = 1): FlashWearReport[] {
  const floats = recordFloats(ir);
  const recordsPerLayer = ir.training.slices ** 2 + 2;
  const geometries = geometry ? [geometry] : [NOR_PRESETS['spi-nor']!, NOR_PRESETS.stm32f4!];
  return geometries.map((g) => {
    const layout = planNorLayout(ir, floats, recordsPerLayer, g);
    const wear = norWear(ir, layout, floats, recordsPerLayer, samplesPerSecond);
    const fits = layout.rings.length > 0 && (g.partSectors === undefined || layout.regionSectors <= g.partSectors);
    const needed = wear.minimalSectors;
    if (!fits) return { geometry: g, wear: null, neededSectors: needed, warning: null };
    const warning =
      wear.runsToEndurance < 1
        ? `the training schedule itself wears this flash out: its most-worn sector (${wear.hottest}) needs ${Math.round(wear.maxSectorErasesPerRun).toLocaleString('en-US')} erases and is rated for ${g.endurance.toLocaleString('en-US')}`
        : wear.secondsToEndurance < YEAR_SECONDS
          ? `learning continuously at ${samplesPerSecond} sample(s)/s wears this flash out in ${duration(wear.secondsToEndurance)}`
          : null;
    return { geometry: g, wear, neededSectors: needed, warning };
  });
}

function duration(seconds: number): string {
  if (seconds < 3600) return `${(seconds / 60).toFixed(0)} minutes`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} hours`;
  if (seconds < 2 * YEAR_SECONDS) return `${(seconds / 86400).toFixed(0)} days`;
  return `${(seconds / YEAR_SECONDS).toFixed(0)} years`;
}

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n.toFixed(0)} B`;
}

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The report's lines. */
export function wearLines(ir: ModelIR, reports: readonly FlashWearReport[]): string[] {
  const t = ir.training;
  const L = ir.layers.length;
  const lines = [
    `flash wear of the weight store in NOR flash (--store nor; docs/store.md, "Wear"): schedule '${t.blockSchedule}', batch ${t.batchSize}, ${num(reports[0]?.wear?.samplesPerEpoch ?? 0)} samples an epoch, ${L} layer(s) × ${t.epochsPerLayer} epoch(s) = ${num(L * learnSteps(ir) * t.batchSize)} samples per pass of the schedule`,
  ];
  for (const r of reports) {
    const g = r.geometry;
    const head = `  ${g.name}: ${num(g.sectorBytes)}-byte sectors, ${num(g.pageBytes)}-byte pages, endurance ${num(g.endurance)} erase cycles (assumed)`;
    if (!r.wear) {
      lines.push(`${head}: does not fit — the store needs ${num(r.neededSectors)} sectors (two erase units per record and for the commit log)${g.partSectors !== undefined ? `, the part has ${num(g.partSectors)}` : ''}`);
      continue;
    }
    const w = r.wear;
    lines.push(
      `${head}; region ${num(w.regionSectors)} sectors (${bytes(w.regionBytes)})`,
      `    per sample: ${w.perLayerSample.map((b, l) => `layer ${l} ${bytes(b)}`).join(', ')} programmed; mean ${bytes(w.perSample.bytesProgrammed)} (${num(w.perSample.pagePrograms, 1)} page programs), ${num(w.perSample.sectorErases, 2)} sector erases; per epoch: ${bytes(w.perEpoch.bytesProgrammed)}, ${num(w.perEpoch.sectorErases)} sector erases`,
      `    most-worn sector (${w.hottest}): ${num(w.maxSectorErasesPerRun, 1)} erases per pass of the schedule; rated endurance after ${num(w.runsToEndurance, 2)} passes = ${num(w.samplesToEndurance)} samples = ${duration(w.secondsToEndurance)} at ${w.samplesPerSecond} sample(s)/s`,
    );
    if (r.warning) {
      const advice = [
        ...(t.blockSchedule === 'all' ? ["blockSchedule 'cyclic' (one block record a step instead of every block)"] : []),
        ...(typeof t.blockSchedule === 'object' ? [] : ["blockSchedule { kind: 'runs', steps: R } (one write-back per R steps; README, \"Block schedules and the weight store\")"]),
        'a larger batchSize (one store transaction per batch)',
        `a larger region (--nor-flash ${g.name}:<sectors>; the spare sectors go to the most-worn rings)`,
        ...(g.endurance < 100_000 ? ['external SPI NOR (100,000 cycles)'] : []),
      ];
      lines.push(`    WARNING: ${r.warning}; spare the flash with ${advice.join(', ')}`);
    }
  }
  return lines;
}
