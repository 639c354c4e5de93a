import { CompiledEventSource, type LuaRuntime } from '@sveltos-ts/evaluation';
import type { KubeObject } from '@sveltos-ts/kube';
import type { CompileSource } from './source.ts';

function isReportable(object: {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
}): object is KubeObject {
  return (
    typeof object.apiVersion === 'string' &&
    typeof object.kind === 'string' &&
    typeof object.metadata?.name === 'string' &&
    object.metadata.name !== ''
  );
}

/** Binds the agent to `@sveltos-ts/evaluation`: one Lua runtime shared by every EventSource of the agent. */
export function evaluationCompiler(lua: LuaRuntime): CompileSource {
  return (eventSource) => {
    const compiled = new CompiledEventSource(eventSource, { lua });
    return {
      selectors: compiled.selectors.map((selector) => selector.gvk),
      collectResources: compiled.collectResources,
      aggregated: compiled.aggregation !== undefined,
      matches(selectorIndex, object) {
        const verdict = compiled.selectors[selectorIndex]!.evaluate(object);
        const issue = verdict.issues.map((i) => i.message).join('; ');
        return {
          matched: verdict.matched,
          ...(issue ? { issue } : {}),
          ...(verdict.error ? { error: verdict.error.message } : {}),
        };
      },
      aggregate(objects) {
        let result: ReturnType<CompiledEventSource['aggregate']>;
        try {
          result = compiled.aggregate(objects);
        } catch (error) {
          return { objects: [], error: (error as Error).message };
        }
        // scripts may build synthetic resources: each must still say what it is to be reported
        const reportable = result.resources.filter(isReportable);
        if (reportable.length !== result.resources.length) {
          return {
            objects: [],
            error: `EventSource "${compiled.name}" aggregatedSelection returned a resource without apiVersion, kind and metadata.name`,
          };
        }
        return { objects: reportable, message: result.message };
      },
      report: (matched) => compiled.report(matched),
      release: () => compiled.release(),
    };
  };
}
