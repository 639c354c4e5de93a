// Metrics every controller has, under controller-runtime's and client-go's names so dashboards made for
// upstream Sveltos (a controller-runtime project) read ours too.

import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

/**
 * A metric registered once per registry: a second component, term or Manager asking for the same name
 * gets the existing one instead of an "already registered" error.
 */
export function registered<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export interface ControllerMetrics {
  total: Counter<'controller' | 'result'>;
  errors: Counter<'controller'>;
  terminalErrors: Counter<'controller'>;
  duration: Histogram<'controller'>;
  activeWorkers: Gauge<'controller'>;
  maxWorkers: Gauge<'controller'>;
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  retries: Counter<'name'>;
}

type QueueLengths = () => Iterable<[string, number]>;

/** Every source of queue lengths of a registry (several Managers may share one in tests). */
const depthSources = new WeakMap<Registry, Set<QueueLengths>>();

/** Controller metrics; `depth` reads the current queues through `queueLengths` until `release`. */
export function controllerMetrics(
  registry: Registry,
  queueLengths: QueueLengths,
): ControllerMetrics & { release(): void } {
  const registers = [registry];
  const sources = depthSources.get(registry) ?? new Set<QueueLengths>();
  depthSources.set(registry, sources);
  sources.add(queueLengths);
  return {
    release: () => sources.delete(queueLengths),
    total: registered(
      registry,
      'controller_runtime_reconcile_total',
      () =>
        new Counter({
          name: 'controller_runtime_reconcile_total',
          help: 'Total number of reconciliations per controller (result: success, requeue_after, error).',
          labelNames: ['controller', 'result'],
          registers,
        }),
    ),
    errors: registered(
      registry,
      'controller_runtime_reconcile_errors_total',
      () =>
        new Counter({
          name: 'controller_runtime_reconcile_errors_total',
          help: 'Total number of reconciliation errors per controller.',
          labelNames: ['controller'],
          registers,
        }),
    ),
    terminalErrors: registered(
      registry,
      'controller_runtime_terminal_reconcile_errors_total',
      () =>
        new Counter({
          name: 'controller_runtime_terminal_reconcile_errors_total',
          help: 'Total number of terminal reconciliation errors (not retried) per controller.',
          labelNames: ['controller'],
          registers,
        }),
    ),
    duration: registered(
      registry,
      'controller_runtime_reconcile_time_seconds',
      () =>
        new Histogram({
          name: 'controller_runtime_reconcile_time_seconds',
          help: 'Length of time per reconciliation per controller.',
          labelNames: ['controller'],
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    ),
    activeWorkers: registered(
      registry,
      'controller_runtime_active_workers',
      () =>
        new Gauge({
          name: 'controller_runtime_active_workers',
          help: 'Number of currently used workers per controller.',
          labelNames: ['controller'],
          registers,
        }),
    ),
    maxWorkers: registered(
      registry,
      'controller_runtime_max_concurrent_reconciles',
      () =>
        new Gauge({
          name: 'controller_runtime_max_concurrent_reconciles',
          help: 'Maximum number of concurrent reconciles per controller.',
          labelNames: ['controller'],
          registers,
        }),
    ),
    depth: registered(
      registry,
      'workqueue_depth',
      () =>
        new Gauge({
          name: 'workqueue_depth',
          help: 'Current depth of the work queue.',
          labelNames: ['name'],
          registers,
          collect() {
            this.reset();
            for (const source of sources) for (const [name, length] of source()) this.set({ name }, length);
          },
        }),
    ),
    adds: registered(
      registry,
      'workqueue_adds_total',
      () =>
        new Counter({
          name: 'workqueue_adds_total',
          help: 'Total number of adds handled by the work queue.',
          labelNames: ['name'],
          registers,
        }),
    ),
    retries: registered(
      registry,
      'workqueue_retries_total',
      () =>
        new Counter({
          name: 'workqueue_retries_total',
          help: 'Total number of retries handled by the work queue.',
          labelNames: ['name'],
          registers,
        }),
    ),
  };
}

/** client-go's leader gauge: 1 while this replica holds the named Lease. */
export function leaderMetric(registry: Registry): Gauge<'name'> {
  return registered(
    registry,
    'leader_election_master_status',
    () =>
      new Gauge({
        name: 'leader_election_master_status',
        help: 'Whether this replica is the leader (1) or not (0), per Lease.',
        labelNames: ['name'],
        registers: [registry],
      }),
  );
}
