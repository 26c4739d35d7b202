/** One split of a data set: `count` samples of `features` bytes each, row-major. */
export interface Split {
  count: number;
  /** count × features bytes, sample-major. Values 0..255 (or 0/1 for bit data). */
  samples: Uint8Array;
  /** count labels, each < classes. */
  labels: Uint8Array;
}

export interface Dataset {
  /** Short name for reports, e.g. `mnist`, `fashion-mnist`, `idx:/path`. */
  name: string;
  features: number;
  classes: number;
  train: Split;
  test: Split;
  /** One line on where the data came from and how it was split. */
  provenance: string;
}

/** The bytes of sample i of a split. */
export function sampleAt(split: Split, features: number, i: number): Uint8Array {
  return split.samples.subarray(i * features, (i + 1) * features);
}
