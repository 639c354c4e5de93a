export {
  type ControllerContext,
  type ControllerMainOptions,
  type RunningController,
  runControllerMain,
} from './controller-main.ts';
export { ProcessRuntime, type ProcessRuntimeOptions, type ReadinessCheck } from './process.ts';
