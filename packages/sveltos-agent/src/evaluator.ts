import { compileEventSource, type LuaSandbox } from '@sveltos-ts/evaluation';
import type { KubeObject } from '@sveltos-ts/kube';
import type { CompileSource } from './source.ts';

/** Binds the agent to `@sveltos-ts/evaluation`: every EventSource is validated against the CRD schema and
 * compiled; its Lua runs in `sandbox` (worker threads under a watchdog, one Lua state per EventSource). */
export function evaluationCompiler(sandbox: LuaSandbox): CompileSource {
  return async (eventSource) => {
    const compiled = await compileEventSource(eventSource, { sandbox });
    return {
      selectors: compiled.selectors.map((selector) => selector.gvk),
      collectResources: compiled.collectResources,
      aggregated: compiled.aggregated,
      async evaluate(items) {
        const verdicts = await compiled.evaluateObjects(items);
        return verdicts.map((verdict) => {
          const issue = verdict.issues.map((i) => i.message).join('; ');
          return {
            matched: verdict.matched,
            ...(issue ? { issue } : {}),
            ...(verdict.error ? { error: `${verdict.error.message} [${verdict.error.code}]` } : {}),
            ...(verdict.error?.code === 'LUA_INTERRUPTED' ? { retry: true } : {}),
          };
        });
      },
      async aggregate(objects) {
        const result = await compiled.aggregate(objects);
        if (!result.ok) return { objects: [], error: `${result.error.message} [${result.error.code}]` };
        // checked by the evaluation: every resource has apiVersion, kind and metadata.name
        return { objects: result.resources as KubeObject[], message: result.message };
      },
      report: (matched) => compiled.report(matched),
      release: () => compiled.release(),
    };
  };
}
