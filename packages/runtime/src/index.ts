export {
  Controller,
  type ControllerHandle,
  type ControllerOptions,
  type Reconciler,
  specLabelsOrDeletionChanged,
  type Watch,
  watchInformer,
} from './controller.ts';
export {
  type ControllerContext,
  type ControllerMainOptions,
  runControllerMain,
  serveManager,
} from './controller-main.ts';
export {
  addLeaderElectionFlags,
  type LeaderElectionFlags,
  leaderElectionConfig,
  parseDuration,
} from './flags.ts';
export {
  configuredLevel,
  LOG_LEVEL_CONFIGMAP,
  LOG_LEVELS,
  levelledLogger,
  watchLogLevel,
} from './log-level.ts';
export {
  type ComponentSetup,
  type LeaderElectionConfig,
  type LeaderTerm,
  Manager,
  type ManagerOptions,
  type Runnable,
  type RunningComponent,
  type StandaloneOptions,
  startStandalone,
} from './manager.ts';
export { type ControllerMetrics, controllerMetrics, leaderMetric, registered } from './metrics.ts';
export { type Phase, type ReconcileScope, runPhases } from './phases.ts';
export { ProcessRuntime, type ProcessRuntimeOptions, type ReadinessCheck } from './process.ts';
export {
  type AppliedUpstreamFlags,
  addUpstreamFlags,
  applyUpstreamFlags,
  parseAddress,
  type UpstreamFlags,
} from './upstream-flags.ts';
export {
  type ConversionResponse,
  type ConversionReview,
  type ConvertFunction,
  conversionHandler,
  defaultMaxBodyBytes,
  defaultWebhookCertDir,
  defaultWebhookPort,
  type ServingCertificateInfo,
  type WebhookHandler,
  type WebhookReview,
  WebhookServer,
  type WebhookServerOptions,
} from './webhook.ts';
