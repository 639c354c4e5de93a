import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLogger, type LogLevel } from '@sveltos-ts/kube';
import { configuredLevel, LOG_LEVEL_CONFIGMAP, levelledLogger } from './log-level.ts';
import { ProcessRuntime } from './process.ts';

describe('levelledLogger', () => {
  it('filters at the current level, for children too, and follows changes', () => {
    const lines: string[] = [];
    let level: LogLevel = 'info';
    const logger = levelledLogger(jsonLogger({ level: 'debug', write: (l) => lines.push(l) }), () => level);
    const child = logger.child({ unit: 'x' });
    logger.debug('hidden');
    child.info('shown');
    level = 'debug';
    child.debug('now shown');
    level = 'error';
    logger.warn('hidden again');
    logger.error('always');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as { msg: string; unit?: string }).map((l) => [l.msg, l.unit]),
      [
        ['shown', 'x'],
        ['now shown', 'x'],
        ['always', undefined],
      ],
    );
  });

  it('ProcessRuntime.setLogLevel changes what its logger writes', async () => {
    const lines: string[] = [];
    const runtime = new ProcessRuntime({
      name: 't',
      logLevel: 'info',
      writeLog: (l) => lines.push(l),
      exitOnSignal: false,
    });
    runtime.logger.debug('before');
    runtime.setLogLevel('debug');
    runtime.logger.child({ a: 1 }).debug('after');
    assert.equal(runtime.logLevel, 'debug');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['after'],
    );
    await runtime.shutdown();
  });
});

describe('configuredLevel', () => {
  it('reads the component key; nothing set is undefined; a wrong value is an error naming the key', () => {
    assert.equal(configuredLevel({ data: { 'event-manager': 'Debug ' } }, 'event-manager'), 'debug');
    assert.equal(configuredLevel({ data: { 'addon-controller': 'debug' } }, 'event-manager'), undefined);
    assert.equal(configuredLevel(undefined, 'event-manager'), undefined);
    const wrong = configuredLevel({ data: { 'event-manager': 'loud' } }, 'event-manager');
    assert.ok(wrong instanceof Error);
    assert.equal(
      wrong.message,
      `ConfigMap ${LOG_LEVEL_CONFIGMAP} key event-manager: "loud" is not a log level (debug, info, warn, error)`,
    );
  });
});
