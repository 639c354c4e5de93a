// Log verbosity changed at run time (`sveltosctl log-level`): the ConfigMap `sveltos-log-level` in the
// controllers' namespace holds one key per component (`event-manager: debug`). Each component watches it
// through the Manager's shared cache and applies its own key; a missing key or ConfigMap means the level
// the process was started with (docs/design/log-level.md).

import type { KubeObject, Logger, LogLevel } from '@sveltos-ts/kube';
import type { Manager } from './manager.ts';

export const LOG_LEVEL_CONFIGMAP = 'sveltos-log-level';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger whose threshold is read at every call, shared by all its children. */
export function levelledLogger(base: Logger, current: () => LogLevel): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (rank[level] >= rank[current()]) base[level](message, fields);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => levelledLogger(base.child(fields), current),
  };
}

/** What the ConfigMap asks of `component`: a level, nothing (undefined), or an invalid value (an error). */
export function configuredLevel(
  configMap: { data?: Record<string, string> } | undefined,
  component: string,
): LogLevel | undefined | Error {
  const value = configMap?.data?.[component]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  return new Error(
    `ConfigMap ${LOG_LEVEL_CONFIGMAP} key ${component}: ${JSON.stringify(value)} is not a log level (${LOG_LEVELS.join(', ')})`,
  );
}

/**
 * Follows the ConfigMap for `component` in `namespace` and calls `apply` with the level to use (the
 * start-up level when the key or the ConfigMap goes away). An invalid value is logged and ignored. Register
 * before the Manager starts (its cache starts the watch).
 */
export function watchLogLevel(
  manager: Manager,
  options: {
    namespace: string;
    component: string;
    startLevel: LogLevel;
    apply: (level: LogLevel) => void;
    logger: Logger;
  },
): void {
  const informer = manager.cache.informer<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: options.namespace,
    fieldSelector: `metadata.name=${LOG_LEVEL_CONFIGMAP}`,
  });
  let applied = options.startLevel;
  informer.on((event) => {
    const wanted = configuredLevel(event.type === 'delete' ? undefined : event.object, options.component);
    if (wanted instanceof Error) {
      options.logger.error('log level not changed', { error: wanted.message });
      return;
    }
    const level = wanted ?? options.startLevel;
    if (level === applied) return;
    const fields = { from: applied, to: level };
    // said while info lines are still shown: before a level that hides them, after one that shows them
    if (rank[level] > rank.info) options.logger.info('log level changed', fields);
    applied = level;
    options.apply(level);
    if (rank[level] <= rank.info) options.logger.info('log level changed', fields);
  });
}
