// The allocation engine: pure, synchronous placement over an inventory (docs/allocation.md).
export type { Allocator } from './api';
export { AllocationEngine, type EngineStats, type KindStats } from './engine';
export { normalizeRequest } from './request';
