// spec.validateHealths: after a feature deployed, the checks naming it look at the live objects they select
// in the managed cluster (group/version/kind, namespace, labelFilters). Each object is judged by the Lua
// `script` (upstream's contract: `function evaluate()` over `obj` returns {healthy = <bool>, message = ...};
// run in the evaluation package's sandbox) or by `evaluateCEL` (healthy when a rule returns true). One
// unhealthy object keeps the feature from being Provisioned: HEALTH_CHECK_FAILED with its message, and the
// pair looks again shortly. A check selecting no object passes (as upstream).

import type { FeatureID, LabelFilter, ValidateHealth } from '@sveltos-ts/api';
import { CompiledCEL, type LuaSandbox, type SandboxSource, toCELValue } from '@sveltos-ts/evaluation';
import { KubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import { AddonError } from '../errors.ts';

/** Adapts upstream's health contract ({healthy, message}) to the sandbox's per-object one. Appended to the
 * user's script, so its line numbers are unchanged in messages. */
const ADAPTER = `
do
  local userEvaluate = evaluate
  local function field(t, name)
    local v = rawget(t, name)
    if v ~= nil then return v end
    for k, x in pairs(t) do
      if type(k) == 'string' and string.lower(k) == name then return x end
    end
    return nil
  end
  function evaluate()
    if type(userEvaluate) ~= 'function' then error('the script must define function evaluate()') end
    local hs = userEvaluate()
    if type(hs) ~= 'table' then return hs end
    local healthy = field(hs, 'healthy')
    if healthy ~= nil and type(healthy) ~= 'boolean' then
      error('evaluate() must return {healthy = <boolean>, message = <string>}; healthy is a ' .. type(healthy))
    end
    return { matching = healthy == true, message = field(hs, 'message') }
  end
end
`;

/** labelFilters as a label selector string. */
export function labelSelectorOf(filters: readonly LabelFilter[] | undefined): string | undefined {
  const parts = (filters ?? []).map((f) => {
    switch (f.operation) {
      case 'Equal':
        return `${f.key}=${f.value ?? ''}`;
      case 'Different':
        return `${f.key}!=${f.value ?? ''}`;
      case 'Has':
        return f.key;
      default:
        return `!${f.key}`;
    }
  });
  return parts.length > 0 ? parts.join(',') : undefined;
}

const describeObject = (o: KubeObject): string =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Runs health checks; one per leadership term (its Lua sources live in the term's sandbox). */
export class HealthChecks {
  readonly #sandbox: () => LuaSandbox;
  readonly #sources = new Map<string, Promise<SandboxSource>>();

  constructor(sandbox: () => LuaSandbox) {
    this.#sandbox = sandbox;
  }

  /** The failures of the checks of `featureID` (none: healthy, or no check for it). */
  async check(
    client: RestClient,
    checks: readonly ValidateHealth[] | undefined,
    featureID: FeatureID,
  ): Promise<AddonError[]> {
    const errors: AddonError[] = [];
    for (const [i, check] of (checks ?? []).entries()) {
      if (check.featureID !== featureID) continue;
      const where = `spec.validateHealths[${i}] (${check.name})`;
      if (check.script === undefined && !check.evaluateCEL?.length) {
        errors.push(
          new AddonError(
            'FEATURE_NOT_SUPPORTED',
            `FEATURE_NOT_SUPPORTED: ${where}: only script and evaluateCEL checks are supported (not jobCheck or metric queries)`,
          ),
        );
        continue;
      }
      let objects: KubeObject[];
      try {
        const apiVersion = check.group ? `${check.group}/${check.version ?? ''}` : (check.version ?? 'v1');
        objects = (
          await client.list(apiVersion, check.kind ?? '', {
            namespace: check.namespace || undefined,
            labelSelector: labelSelectorOf(check.labelFilters),
          })
        ).items;
      } catch (error) {
        if (error instanceof KubeError && error.code === 'UNKNOWN_KIND') continue;
        const retryable = error instanceof KubeError ? error.retryable : false;
        errors.push(
          new AddonError('HEALTH_CHECK_FAILED', `${where}: ${(error as Error).message}`, {
            retryable,
            cause: error,
          }),
        );
        continue;
      }
      if (objects.length === 0) continue;
      const failure = await this.#judge(check, objects, where);
      if (failure) errors.push(failure);
    }
    return errors;
  }

  async #judge(check: ValidateHealth, objects: KubeObject[], where: string): Promise<AddonError | undefined> {
    const unhealthy = (o: KubeObject, message: string) =>
      new AddonError(
        'HEALTH_CHECK_FAILED',
        `${where}: ${describeObject(o)} is not healthy${message ? `: ${message}` : ''}`,
      );
    if (check.script !== undefined) {
      let results: Array<{ matching: boolean; message: string } | { error: { message: string } }>;
      try {
        const source = await this.#source(check.script, where);
        const [each] = await source.run([{ kind: 'each', script: 0, objects }]);
        results = each as typeof results;
      } catch (error) {
        return new AddonError('HEALTH_CHECK_FAILED', `${where}: ${(error as Error).message}`, {
          retryable: false,
        });
      }
      for (const [j, r] of results.entries()) {
        if ('error' in r)
          return new AddonError(
            'HEALTH_CHECK_FAILED',
            `${where}: ${describeObject(objects[j]!)}: ${r.error.message}`,
            {
              retryable: false,
            },
          );
        if (!r.matching) return unhealthy(objects[j]!, r.message);
      }
      return undefined;
    }
    const cel = new CompiledCEL(check.evaluateCEL ?? [], where);
    if (cel.parseIssues.length > 0)
      return new AddonError('HEALTH_CHECK_FAILED', cel.parseIssues.map((p) => p.message).join('; '), {
        retryable: false,
      });
    for (const o of objects) {
      const outcome = cel.evaluate(toCELValue(o), where);
      if (outcome.matchedRule === undefined)
        return unhealthy(
          o,
          outcome.issues.map((p) => p.message).join('; ') || 'no evaluateCEL rule returned true',
        );
    }
    return undefined;
  }

  #source(script: string, where: string): Promise<SandboxSource> {
    let source = this.#sources.get(script);
    if (source === undefined) {
      source = this.#sandbox().register([
        { name: `ClusterProfile ${where}.script`, source: `${script}\n${ADAPTER}` },
      ]);
      // a script that does not compile is not kept: the next look compiles it again (and reports it again)
      source.catch(() => this.#sources.delete(script));
      this.#sources.set(script, source);
    }
    return source;
  }

  /** Releases the compiled scripts (end of the term). */
  async close(): Promise<void> {
    for (const s of this.#sources.values()) (await s.catch(() => undefined))?.release();
    this.#sources.clear();
  }
}
