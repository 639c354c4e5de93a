// The ClusterProfile fields (and values) this addon-controller does not implement, named out loud: the
// profile unit turns them into the condition FeaturesSupported=False and one Warning Event per field
// (`FEATURE_NOT_SUPPORTED: spec.<field>: …`), while the rest of the profile still deploys. A field here is
// never silently accepted. `fields.test.ts` walks the whole schema and fails on any field that is neither
// handled nor listed here. Pure.

import { type ClusterProfileSpec, POLICY_REF_KINDS } from '@sveltos-ts/api';

export interface Refusal {
  /** The field, as a path (`spec.reloader`, `spec.policyRefs[0].remoteURL`). */
  field: string;
  /** `FEATURE_NOT_SUPPORTED: <field>: <why>`. */
  message: string;
}

const FLUX_KINDS = POLICY_REF_KINDS.filter((k) => k !== 'ConfigMap' && k !== 'Secret');

const refusal = (field: string, why: string): Refusal => ({
  field,
  message: `FEATURE_NOT_SUPPORTED: ${field}: ${why}`,
});

const present = (v: unknown): boolean =>
  v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

/** Every field of `spec` set to something this controller does not do, in schema order. */
export function refusals(spec: ClusterProfileSpec): Refusal[] {
  const out: Refusal[] = [];
  if (spec.reloader === true)
    out.push(
      refusal(
        'spec.reloader',
        'rolling workloads when their mounted ConfigMaps/Secrets change is not supported',
      ),
    );
  for (const [i, r] of (spec.policyRefs ?? []).entries()) {
    if (present(r.remoteURL))
      out.push(refusal(`spec.policyRefs[${i}].remoteURL`, 'content fetched from a URL is not deployed'));
    if (r.kind && (FLUX_KINDS as readonly string[]).includes(r.kind))
      out.push(
        refusal(
          `spec.policyRefs[${i}].kind`,
          `Flux sources (${r.kind}) are not deployed; use a ConfigMap or Secret`,
        ),
      );
  }
  for (const [i, c] of (spec.helmCharts ?? []).entries()) {
    if (c.repositoryURL && !/^(https?|oci):\/\//.test(c.repositoryURL))
      out.push(
        refusal(
          `spec.helmCharts[${i}].repositoryURL`,
          'charts from Flux sources are not deployed (http(s):// and oci:// are)',
        ),
      );
    for (const k of ['signatureVerification', 'provenanceVerification'] as const)
      if (present(c[k]))
        out.push(
          refusal(
            `spec.helmCharts[${i}].${k}`,
            'chart verification is not supported; the chart is not deployed',
          ),
        );
  }
  for (const [i, k] of (spec.kustomizationRefs ?? []).entries()) {
    if (present(k.remoteURL))
      out.push(
        refusal(
          `spec.kustomizationRefs[${i}].remoteURL`,
          'kustomizations fetched from a URL are not deployed',
        ),
      );
    if (k.kind && (FLUX_KINDS as readonly string[]).includes(k.kind))
      out.push(
        refusal(
          `spec.kustomizationRefs[${i}].kind`,
          `Flux sources (${k.kind}) are not deployed; use a ConfigMap or Secret`,
        ),
      );
  }
  for (const [i, v] of (spec.validateHealths ?? []).entries())
    for (const k of ['jobCheck', 'metricQueries', 'metricSource'] as const)
      if (present(v[k]))
        out.push(
          refusal(
            `spec.validateHealths[${i}].${k}`,
            'only script (Lua) and evaluateCEL health checks are run; this check keeps its feature from being Provisioned',
          ),
        );
  for (const k of ['preDeployChecks', 'preDeleteChecks', 'postDeleteChecks'] as const)
    if (present(spec[k]))
      out.push(refusal(`spec.${k}`, 'these checks are not run (add-ons deploy and withdraw without them)'));
  return out;
}
