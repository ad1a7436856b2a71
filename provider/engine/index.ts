// The allocation engine: pure, synchronous placement over an inventory (DESIGN §4).
export type { Allocator } from './api';
export { AllocationEngine, type EngineStats, type KindStats } from './engine';
export { normalizeRequest } from './request';
