/**
 * The NOR flash store's layout and its wear (docs/store.md, "NOR flash store"): the same ring
 * layout runtime-c/tf_store_nor.c computes, the planner's choice of ring lengths, an exact
 * replay of the erases and programs of a run (checked against the flash simulator's counters in
 * test/store-nor.test.ts), and the steady-state figures `tinyfoa memory` reports.
 */
import { DEFAULT_SAMPLES_PER_EPOCH, learnSteps, type ModelIR } from '../ir/ir.ts';
import { scheduleWrites } from './store-writes.ts';

/** A record's slot: its data, then the sequence number and CRC-32 (TF_NOR_TRAILER_BYTES). */
export const NOR_TRAILER_BYTES = 8;
/** A commit entry without its slot table: magic, seq, R, layout check, CRC (TF_NOR_ENTRY_FIXED). */
export const NOR_ENTRY_FIXED_BYTES = 20;

/** A part's erase geometry and rated endurance. */
export interface NorGeometry {
  /** Name shown in reports (a preset's name, or `<sector>x<page>`). */
  name: string;
  sectorBytes: number;
  pageBytes: number;
  /** Program/erase cycles a sector is rated for (the datasheet's minimum). */
  endurance: number;
  /** Sectors of the store's region; undefined: the planner's default (the minimal layout + a quarter, at most partSectors). */
  sectors?: number;
  /** Sectors of this size the part has for the store (a preset's part); undefined: no limit. */
  partSectors?: number;
}

/**
 * Geometry presets. `spi-nor`: external serial NOR (W25Q, MX25, IS25 families): 4 KiB sectors,
 * 256-byte pages, 100,000 cycles, a 16 MiB part (4,096 sectors). `stm32f4`: the 128 KiB sectors of STM32F405/F407 internal
 * flash (sectors 5..11; the 16 and 64 KiB sectors at its start hold the firmware), programmed
 * in 256-byte chunks, 10,000 cycles (the datasheet's minimum).
 */
export const NOR_PRESETS: Readonly<Record<string, NorGeometry>> = {
  'spi-nor': { name: 'spi-nor', sectorBytes: 4096, pageBytes: 256, endurance: 100_000, partSectors: 4096 },
  stm32f4: { name: 'stm32f4', sectorBytes: 128 * 1024, pageBytes: 256, endurance: 10_000, partSectors: 7 },
};
export const DEFAULT_NOR = 'spi-nor';

/** Shape of one ring (record j < R, or the commit log, ring R). */
export interface NorRing {
  payloadBytes: number;
  slotBytes: number;
  unitSectors: number;
  slotsPerUnit: number;
  units: number;
  firstSector: number;
}

export interface NorLayout {
  geometry: NorGeometry;
  rings: NorRing[];
  /** Sectors the rings occupy (≤ the region). */
  usedSectors: number;
  regionSectors: number;
}

function shape(payloadBytes: number, g: NorGeometry, units: number): Omit<NorRing, 'firstSector'> {
  const slotBytes = Math.ceil(payloadBytes / g.pageBytes) * g.pageBytes;
  const unitSectors = Math.ceil(slotBytes / g.sectorBytes);
  return { payloadBytes, slotBytes, unitSectors, slotsPerUnit: Math.floor((unitSectors * g.sectorBytes) / slotBytes), units };
}

/** Payload bytes of every ring: records (4·n + trailer), then the commit entry. */
export function norPayloads(recordFloats: readonly number[]): number[] {
  return [...recordFloats.map((n) => 4 * n + NOR_TRAILER_BYTES), NOR_ENTRY_FIXED_BYTES + 4 * recordFloats.length];
}

/** The layout for given ring lengths (units[j] ≥ 2), rings placed in order from sector 0. */
export function norLayout(recordFloats: readonly number[], g: NorGeometry, units: readonly number[], regionSectors: number): NorLayout {
  let first = 0;
  const rings = norPayloads(recordFloats).map((p, j) => {
    const r = { ...shape(p, g, units[j]!), firstSector: first };
    first += r.units * r.unitSectors;
    return r;
  });
  return { geometry: g, rings, usedSectors: first, regionSectors };
}

/** Writes per update step of the layer that trains, per record j (0 for other layers' records), and 1 for the commit ring. */
function ringRates(ir: ModelIR, recordsPerLayer: number, layer: number): number[] {
  const m2 = recordsPerLayer - 2;
  const sw = scheduleWrites(ir);
  const rates: number[] = [];
  for (let l = 0; l < ir.layers.length; l++) {
    for (let k = 0; k < m2; k++) rates.push(l === layer ? sw.blockRate(k) : 0);
    rates.push(l === layer ? sw.commitRate : 0, l === layer ? sw.commitRate : 0);
  }
  rates.push(sw.commitRate);
  return rates;
}

/** Erases a sector of ring j takes over one pass of the training schedule (every layer's learnSteps). */
function erasesPerSectorPerRun(ir: ModelIR, recordsPerLayer: number, rings: readonly Omit<NorRing, 'firstSector'>[]): number[] {
  const steps = learnSteps(ir);
  const total = new Array<number>(rings.length).fill(0);
  for (let l = 0; l < ir.layers.length; l++) {
    ringRates(ir, recordsPerLayer, l).forEach((w, j) => {
      const r = rings[j]!;
      total[j]! += (w * steps) / (r.units * r.slotsPerUnit);
    });
  }
  return total;
}

/**
 * Ring lengths for a region: every ring 2 units, then each spare unit to the ring whose
 * sectors wear fastest under the model's schedule (ties: the lower ring index). Default region:
 * the minimal layout plus a quarter of it (at least 2 sectors).
 */
export function planNorLayout(ir: ModelIR, recordFloats: readonly number[], recordsPerLayer: number, g: NorGeometry): NorLayout {
  const rings = norPayloads(recordFloats).map((p) => shape(p, g, 2));
  const minimal = rings.reduce((s, r) => s + 2 * r.unitSectors, 0);
  const region = g.sectors ?? Math.min(minimal + Math.max(2, Math.ceil(minimal / 4)), Math.max(minimal, g.partSectors ?? Infinity));
  let spare = region - minimal;
  if (spare < 0) return { geometry: g, rings: [], usedSectors: minimal, regionSectors: region };
  for (;;) {
    const wear = erasesPerSectorPerRun(ir, recordsPerLayer, rings);
    let best = -1;
    for (let j = 0; j < rings.length; j++) {
      if (rings[j]!.unitSectors <= spare && wear[j]! > 0 && (best < 0 || wear[j]! > wear[best]!)) best = j;
    }
    if (best < 0) break;
    rings[best]!.units++;
    spare -= rings[best]!.unitSectors;
  }
  return norLayout(recordFloats, g, rings.map((r) => r.units), region);
}

/** Counters of a flash run: what the simulator counts (tf_nor_sim). */
export interface NorCounts {
  programs: number;
  bytesProgrammed: number;
  erases: number;
  /** Erases of the most-erased sector. */
  maxSectorErases: number;
  /** Flash operations (programs + erases, counted from 1) when commit t is complete (t = 0: tf_init's). */
  commitEndOps: number[];
}

/**
 * Exact replay of the flash operations of a run without power cuts: tf_init (every record, one
 * commit) on an empty store, then `steps[l]` update steps of each layer in turn.
 */
export function replayNor(ir: ModelIR, layout: NorLayout, recordsPerLayer: number, steps: readonly number[]): NorCounts {
  const { rings, geometry: g } = layout;
  const slot = rings.map(() => -1);
  const sectorErases = new Map<number, number>();
  const c: NorCounts = { programs: 0, bytesProgrammed: 0, erases: 0, maxSectorErases: 0, commitEndOps: [] };
  const write = (j: number) => {
    const r = rings[j]!;
    const next = (slot[j]! + 1) % (r.units * r.slotsPerUnit);
    slot[j] = next;
    if (next % r.slotsPerUnit === 0) {
      const first = r.firstSector + (next / r.slotsPerUnit) * r.unitSectors;
      for (let k = 0; k < r.unitSectors; k++) {
        const n = (sectorErases.get(first + k) ?? 0) + 1;
        sectorErases.set(first + k, n);
        c.maxSectorErases = Math.max(c.maxSectorErases, n);
      }
      c.erases += r.unitSectors;
    }
    c.programs += Math.ceil(r.payloadBytes / g.pageBytes);
    c.bytesProgrammed += r.payloadBytes;
  };
  const commit = rings.length - 1;
  for (let j = 0; j < commit; j++) write(j);
  write(commit);
  c.commitEndOps.push(c.programs + c.erases);
  const m2 = recordsPerLayer - 2;
  const sw = scheduleWrites(ir);
  const commitLayer = (l: number) => {
    write(l * recordsPerLayer + m2);
    write(l * recordsPerLayer + m2 + 1);
    write(commit);
    c.commitEndOps.push(c.programs + c.erases);
  };
  for (let l = 0; l < ir.layers.length; l++) {
    const n = steps[l]!;
    for (let i = 0; i < n; i++) {
      for (const k of sw.blocksAt(i)) write(l * recordsPerLayer + k);
      if (sw.commitsAt(i)) commitLayer(l);
    }
    // An open run is written back when the next layer starts (semantics §8.12).
    const s = ir.training.blockSchedule;
    if (n > 0 && !sw.commitsAt(n - 1) && typeof s === 'object') {
      write(l * recordsPerLayer + (Math.floor((n - 1) / s.steps) % m2));
      commitLayer(l);
    }
  }
  return c;
}

/** Steady-state wear figures of the store for the model's schedule (`tinyfoa memory`). */
export interface NorWear {
  geometry: NorGeometry;
  regionSectors: number;
  regionBytes: number;
  /** The region is too small for the minimal layout (every ring 2 units). */
  fits: boolean;
  minimalSectors: number;
  /** Mean per training sample over the schedule (layers weighted by their steps). */
  perSample: { bytesProgrammed: number; pagePrograms: number; sectorErases: number };
  /** Bytes programmed per training sample while layer l trains. */
  perLayerSample: number[];
  samplesPerEpoch: number;
  perEpoch: { bytesProgrammed: number; sectorErases: number };
  /** Erases of the most-worn sector over one pass of the schedule (every layer's epochsPerLayer). */
  maxSectorErasesPerRun: number;
  /** Passes of the whole schedule before the most-worn sector reaches its endurance. */
  runsToEndurance: number;
  /** Training samples until then, and the time at `samplesPerSecond`. */
  samplesToEndurance: number;
  samplesPerSecond: number;
  secondsToEndurance: number;
  /** Which ring wears out first ("block", "bias", "meta", "commit log"). */
  hottest: string;
}

/** Default sample rate for the lifetime figure: one training sample a second, continuously. */
export const DEFAULT_SAMPLE_RATE = 1;

export function norWear(ir: ModelIR, layout: NorLayout, recordFloats: readonly number[], recordsPerLayer: number, samplesPerSecond = DEFAULT_SAMPLE_RATE): NorWear {
  const g = layout.geometry;
  const minimalSectors = norPayloads(recordFloats).reduce((s, p) => s + 2 * shape(p, g, 2).unitSectors, 0);
  const B = ir.training.batchSize;
  const stepsPerLayer = learnSteps(ir);
  const samplesPerEpoch = ir.training.samplesPerEpoch ?? DEFAULT_SAMPLES_PER_EPOCH;
  const base = {
    geometry: g,
    regionSectors: layout.regionSectors,
    regionBytes: layout.regionSectors * g.sectorBytes,
    minimalSectors,
    samplesPerEpoch,
    samplesPerSecond,
  };
  if (layout.rings.length === 0) {
    const none = { bytesProgrammed: 0, pagePrograms: 0, sectorErases: 0 };
    return { ...base, fits: false, perSample: none, perLayerSample: [], perEpoch: { bytesProgrammed: 0, sectorErases: 0 }, maxSectorErasesPerRun: 0, runsToEndurance: 0, samplesToEndurance: 0, secondsToEndurance: 0, hottest: '' };
  }
  let bytes = 0;
  let pages = 0;
  let erases = 0;
  const perLayerSample: number[] = [];
  for (let l = 0; l < ir.layers.length; l++) {
    let layerBytes = 0;
    ringRates(ir, recordsPerLayer, l).forEach((w, j) => {
      const r = layout.rings[j]!;
      layerBytes += w * r.payloadBytes;
      bytes += w * r.payloadBytes;
      pages += w * Math.ceil(r.payloadBytes / g.pageBytes);
      erases += (w * r.unitSectors) / r.slotsPerUnit;
    });
    perLayerSample.push(layerBytes / B);
  }
  const L = ir.layers.length;
  const perSample = { bytesProgrammed: bytes / L / B, pagePrograms: pages / L / B, sectorErases: erases / L / B };
  const wear = erasesPerSectorPerRun(ir, recordsPerLayer, layout.rings);
  let hot = 0;
  wear.forEach((e, j) => {
    if (e > wear[hot]!) hot = j;
  });
  const maxRun = wear[hot]!;
  const runs = g.endurance / maxRun;
  const samplesPerRun = L * stepsPerLayer * B;
  const m2 = recordsPerLayer - 2;
  const kind = hot === layout.rings.length - 1 ? 'commit log' : hot % recordsPerLayer < m2 ? 'block' : hot % recordsPerLayer === m2 ? 'bias' : 'meta';
  return {
    ...base,
    fits: layout.usedSectors <= layout.regionSectors,
    perSample,
    perLayerSample,
    perEpoch: { bytesProgrammed: perSample.bytesProgrammed * samplesPerEpoch, sectorErases: perSample.sectorErases * samplesPerEpoch },
    maxSectorErasesPerRun: maxRun,
    runsToEndurance: runs,
    samplesToEndurance: runs * samplesPerRun,
    secondsToEndurance: (runs * samplesPerRun) / samplesPerSecond,
    hottest: `layer ${Math.min(Math.floor(hot / recordsPerLayer), L - 1)} ${kind}`.replace(/^layer \d+ commit log$/, 'commit log'),
  };
}

/** Parses `--nor-flash`: a preset name or `<sectorBytes>x<pageBytes>`, optionally `:<sectors>`; null if malformed. */
export function parseNorGeometry(text: string): NorGeometry | null {
  const m = /^([a-z0-9-]+?)(?::(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const sectors = m[2] !== undefined ? Number(m[2]) : undefined;
  const preset = NOR_PRESETS[m[1]!];
  let g: NorGeometry | null = preset ? { ...preset } : null;
  const custom = /^(\d+)x(\d+)$/.exec(m[1]!);
  if (!g && custom) {
    const sectorBytes = Number(custom[1]);
    const pageBytes = Number(custom[2]);
    if (pageBytes < 1 || sectorBytes < pageBytes || sectorBytes % pageBytes !== 0) return null;
    g = { name: `${sectorBytes}x${pageBytes}`, sectorBytes, pageBytes, endurance: 100_000 };
  }
  if (!g) return null;
  if (sectors !== undefined) {
    if (!Number.isSafeInteger(sectors) || sectors < 1) return null;
    g.sectors = sectors;
  }
  return g;
}
