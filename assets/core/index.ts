/** The public API of the asset layer: declarations, the graph, partitions, selection, planning, versions. */
export * from './types';
export * from './errors';
export * from './keys';
export * from './define-asset';
export * from './graph';
export * from './partitions';
export * from './intervals';
export * from './mappings';
export * from './kinds';
export * from './column-types';
export * from './selection';
export * from './runlog';
export * from './retention';
export * from './versions';
export * from './staleness';
export * from './planner';
export * from './contracts';
