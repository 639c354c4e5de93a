export { Backoff } from './backoff.ts';
export { codeForStatus, isKubeError, KubeError, type KubeErrorCode } from './errors.ts';
export { EventRecorder, type Involved } from './events.ts';
export { Informer, type InformerEvent, type InformerOptions, stripManagedFields } from './informer.ts';
export {
  type LeaderComponent,
  type LeaderElectionOptions,
  LeaderElector,
  type Lease,
  type WhileLeadingOptions,
  whileLeading,
} from './leader.ts';
export { jsonLogger, type Logger, type LogLevel, silentLogger } from './logger.ts';
export {
  type ApplyOptions,
  type ListOptions,
  type ObjectRef,
  type ResourceInfo,
  RestClient,
  splitApiVersion,
} from './rest.ts';
export { type KubeObject, type ObjectList, type ObjectMeta, objectKey } from './types.ts';
export { type ReconcileResult, TerminalError, WorkQueue, type WorkQueueOptions } from './workqueue.ts';
