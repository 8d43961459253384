/** The one seeded generator lives in assets/core (example data generators there use it too); jobs/ keeps its import path. */
export { mulberry32, seededRandom, shuffleInPlace } from '../assets/core/seeded-random';
