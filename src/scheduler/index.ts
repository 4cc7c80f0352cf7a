/** The scheduler's public face: pure functions of a view; see docs/scheduling.md. */
export * from './types.js';
export { schedule, type ScheduleOptions, type SorterFactory } from './scheduler.js';
export { explain, type Explanation, type NodeVerdict } from './explain.js';
export { parseConstraints } from './constraints.js';
export { DrfSorter } from './sorter/drf.js';
export { RandomSorter } from './sorter/random.js';
export { dominantShare, type Sorter, type SorterKind } from './sorter/sorter.js';
export { seededRandom, type Rng } from './prng.js';
