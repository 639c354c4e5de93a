export { ProcessRuntime, type ProcessRuntimeOptions, type ReadinessCheck } from './process.ts';
