// the object types are defined once, in @sveltos-ts/api; re-exported for the client's users
export type { KubeObject, ObjectMeta } from '@sveltos-ts/api';
export { Credentials } from './auth.ts';
export { Backoff } from './backoff.ts';
export { InformerCache, type InformerCacheOptions, type WatchSpec } from './cache.ts';
export { codeForStatus, isKubeError, KubeError, type KubeErrorCode } from './errors.ts';
export { EventRecorder, type Involved } from './events.ts';
export { failpoint } from './failpoint.ts';
export { Informer, type InformerEvent, type InformerOptions, stripManagedFields } from './informer.ts';
export {
  type Cluster,
  type Context,
  type ExecConfig,
  KubeConfig,
  type KubeConfigSource,
  loadKubeConfig,
  SERVICE_ACCOUNT_DIR,
  type User,
} from './kubeconfig.ts';
export { type LeaderElectionOptions, LeaderElector, type Lease } from './leader.ts';
export { jsonLogger, type Logger, type LogLevel, silentLogger } from './logger.ts';
export { type RateLimit, TokenBucket } from './rate-limit.ts';
export {
  type ApplyOptions,
  type ListOptions,
  type ObjectRef,
  type ResourceInfo,
  RestClient,
} from './rest.ts';
export { type ObjectList, objectKey } from './types.ts';
export { type ReconcileResult, TerminalError, WorkQueue, type WorkQueueOptions } from './workqueue.ts';
