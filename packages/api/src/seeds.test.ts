// The seeds (upstream docs pages the product was asked from) must validate unchanged where they are written
// against v1beta1 (000, 001, 004), and after the documented corrections for 003 (SPEC §10). Seed 002 is
// v1alpha1: it is not served, and its `labelsFilters` typo is an unknown field.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import {
  applyDefaults,
  decodeEventReportResources,
  type EventSource,
  EventSourceKind,
  type EventTrigger,
  eventReportName,
  validate,
  validateValue,
} from './index.ts';

const SEEDS_DIR =
  process.env.SVELTOS_SEEDS_DIR ?? fileURLToPath(new URL('../../../../shared/seeds/', import.meta.url));

function seedText(prefix: string): string {
  assert.ok(existsSync(SEEDS_DIR), `seeds not found in ${SEEDS_DIR} (set SVELTOS_SEEDS_DIR)`);
  const name = [
    '000_ed3165806a4a178b',
    '001_49610e1d82504e1a',
    '002_3472e3eb298215d2',
    '003_ffeeaee71e124e76',
    '004_811683b340199e48',
  ].find((n) => n.startsWith(prefix));
  assert.ok(name, prefix);
  return readFileSync(`${SEEDS_DIR}/${name}.txt`, 'utf8');
}

/** The yaml code blocks of a markdown page, dedented, without `cat > f <<EOF` / `EOF` wrappers. */
function yamlBlocks(markdown: string): string[] {
  const lines = markdown.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const lang = open[2];
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ''); i++)
      body.push((lines[i] ?? '').slice(indent));
    if (lang !== 'yaml') continue;
    if (/^cat > .* <<EOF$/.test(body[0] ?? '')) body.shift();
    if (body.at(-1)?.trim() === 'EOF') body.pop();
    blocks.push(body.join('\n'));
  }
  return blocks;
}

type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
};

/** The documents of the yaml blocks. Blocks that are output samples with `...` elisions are skipped; a block
 * holding a v1beta1 Sveltos object must parse. */
function documents(blocks: string[]): Obj[] {
  const out: Obj[] = [];
  for (const b of blocks) {
    const parsed = [...parseAllDocuments(b)];
    if (parsed.some((d) => d.errors.length > 0)) {
      assert.ok(
        !/apiVersion: \S*projectsveltos\.io\/v1beta1/.test(b),
        `YAML error in a v1beta1 block:\n${b}`,
      );
      continue;
    }
    for (const d of parsed) {
      const v: unknown = d.toJS();
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Obj);
    }
  }
  return out;
}

const isSveltos = (o: Obj) => /projectsveltos\.io\//.test(o.apiVersion ?? '');

function assertValid(o: Obj): void {
  assert.deepEqual(
    validate(o).map((e) => e.message),
    [],
    `${o.kind}/${o.metadata?.name}`,
  );
  // defaulting keeps it valid
  assert.deepEqual(validate(applyDefaults(o)), []);
}

/** Replaces `from` by `to` and fails if `from` does not occur: the corrections must keep applying. */
function fix(text: string, from: string | RegExp, to: string): string {
  assert.ok(
    typeof from === 'string' ? text.includes(from) : from.test(text),
    `correction no longer applies: ${from}`,
  );
  return typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
}

/** Seed 003 with the corrections SPEC §10 lists: indentation under metadata/spec, v1beta1, object selectors,
 * and `instantiate` instead of `template` on the ConfigMap that uses `.Resource`. */
function corrected003(block: string): string {
  let t = block;
  t = fix(t, /lib\.projectsveltos\.io\/v1alpha1/g, 'lib.projectsveltos.io/v1beta1');
  // Indent everything between `metadata:`/`spec:` of the Sveltos documents and the next document.
  const docs = t.split(/^---$/m).map((d) => {
    if (!/^kind: (EventSource|EventTrigger)$/m.test(d)) return d;
    const lines = d.split('\n');
    let inside = false;
    return lines
      .map((l) => {
        if (/^(metadata|spec):$/.test(l)) {
          inside = true;
          return l;
        }
        return inside && l !== '' ? `  ${l}` : l;
      })
      .join('\n');
  });
  t = docs.join('---');
  if (t.includes('sourceClusterSelector')) {
    t = fix(
      t,
      '  sourceClusterSelector: env=production',
      '  sourceClusterSelector:\n    matchLabels:\n      env: production',
    );
    t = fix(
      t,
      '  destinationClusterSelector: dep=eng',
      '  destinationClusterSelector:\n    matchLabels:\n      dep: eng',
    );
    t = fix(t, 'projectsveltos.io/template: ok', 'projectsveltos.io/instantiate: ok');
  }
  return t;
}

describe('seeds written against v1beta1 validate unchanged', () => {
  it('001: EventSource and EventTrigger (generators, templateResourceRefs)', () => {
    const docs = documents(yamlBlocks(seedText('001'))).filter(isSveltos);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['EventSource', 'EventTrigger'],
    );
    for (const d of docs) assertValid(d);
    const et = applyDefaults(docs[1] as EventTrigger);
    assert.equal(et.spec.oneForEvent, false);
    assert.equal(et.spec.syncMode, 'Continuous');
    assert.equal(et.spec.configMapGenerator?.[0]?.optional, false);
    assert.equal(et.spec.policyRefs?.[0]?.deploymentType, 'Remote');
  });

  it('004: aggregatedSelection EventSource with labelFilters Has and evaluateCEL, and its EventTrigger', () => {
    const docs = documents(yamlBlocks(seedText('004'))).filter(isSveltos);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['EventSource', 'EventTrigger'],
    );
    for (const d of docs) assertValid(d);
    const es = docs[0] as EventSource;
    assert.equal(es.spec?.resourceSelectors?.length, 4);
    assert.equal(es.spec?.resourceSelectors?.[1]?.evaluateCEL?.length, 2);
    assert.equal(es.spec?.resourceSelectors?.[0]?.group, 'cluster.x-k8s.io');
  });

  it('000: the configMapGenerator fragment is a valid EventTrigger field', () => {
    const fragments = documents(yamlBlocks(seedText('000'))).filter((d) => 'configMapGenerator' in d);
    assert.equal(fragments.length, 1);
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'seed-000' },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'prod' } },
        eventSourceName: 'workload',
        ...fragments[0],
      },
    });
  });
});

describe('seed 003', () => {
  const blocks = () => yamlBlocks(seedText('003')).filter((b) => /kind: Event(Source|Trigger)/.test(b));

  it('as printed it is not a valid object (broken indentation, v1alpha1, string selectors)', () => {
    const docs = documents(blocks()).filter(isSveltos);
    assert.equal(docs.length, 2);
    for (const d of docs) {
      const asBeta = { ...d, apiVersion: 'lib.projectsveltos.io/v1beta1' };
      const errs = validate(asBeta).map((e) => e.message);
      assert.ok(errs.includes('unknown field "name"'), JSON.stringify(errs));
    }
  });

  it('corrected, it validates', () => {
    const docs = documents(blocks().map(corrected003)).filter(isSveltos);
    assert.deepEqual(
      docs.map((d) => [d.kind, d.metadata?.name]),
      [
        ['EventSource', 'load-balancer-service'],
        ['EventTrigger', 'service-policy'],
      ],
    );
    for (const d of docs) assertValid(d);
    const et = docs[1] as EventTrigger;
    assert.deepEqual(et.spec.destinationClusterSelector, { matchLabels: { dep: 'eng' } });
    const cm = documents(blocks().map(corrected003)).find((d) => d.kind === 'ConfigMap') as {
      metadata: { annotations: Record<string, string> };
    };
    assert.deepEqual(cm.metadata.annotations, { 'projectsveltos.io/instantiate': 'ok' });
  });
});

describe('seed 002 (v1alpha1)', () => {
  const docs = () => documents(yamlBlocks(seedText('002')));

  it('v1alpha1 is not served: the API names the version', () => {
    const first = docs()[0];
    assert.ok(first);
    assert.deepEqual(
      validate(first).map((e) => e.message),
      ['no kind "EventSource" is served in version "lib.projectsveltos.io/v1alpha1"'],
    );
  });

  it('the typo `labelsFilters` is an unknown field (flat v1alpha1 spec against the v1beta1 schema)', () => {
    const first = docs()[0];
    assert.ok(first);
    const unknown = validateValue(EventSourceKind.schema, first)
      .filter((e) => e.type === 'unknown')
      .map((e) => e.path);
    assert.ok(unknown.includes('spec.labelsFilters'), JSON.stringify(unknown));
  });

  it('the typo is an unknown field in the v1beta1 translation too; the corrected translation validates', () => {
    const translated = (filtersKey: string): Obj => ({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: 'sveltos-service' },
      spec: {
        collectResources: true,
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'Service',
            [filtersKey]: [{ key: 'sveltos', operation: 'Equal', value: 'fv' }],
          },
        ],
      },
    });
    assert.deepEqual(
      validate(translated('labelsFilters')).map((e) => e.message),
      ['unknown field "spec.resourceSelectors[0].labelsFilters"'],
    );
    assertValid(translated('labelFilters'));
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'service-network-policy' },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'fv' } },
        eventSourceName: 'sveltos-service',
        oneForEvent: true,
        policyRefs: [{ name: 'network-policy', namespace: 'default', kind: 'ConfigMap' }],
      },
    });
  });

  it('its EventReport example: management-copy name and resources bytes', () => {
    const text = seedText('002');
    const b64 = /resources: (\S+)/.exec(text)?.[1];
    assert.ok(b64);
    const [svc] = decodeEventReportResources(b64);
    assert.deepEqual((svc as { metadata: { name: string } }).metadata.name, 'my-service');
    assert.ok(text.includes(eventReportName('Capi', 'sveltos-service', 'sveltos-management-workload')));
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventReport',
      metadata: { name: 'capi--sveltos-service--sveltos-management-workload', namespace: 'default' },
      spec: {
        clusterName: 'sveltos-management-workload',
        clusterNamespace: 'default',
        clusterType: 'Capi',
        eventSourceName: 'sveltos-service',
        matchingResources: [{ apiVersion: 'v1', kind: 'Service', name: 'my-service', namespace: 'default' }],
        resources: b64,
      },
    });
  });
});

describe('test data SPEC §10 asks for (seed 004)', () => {
  it('the management cluster registered as SveltosCluster mgmt/mgmt', () => {
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: 'mgmt', namespace: 'mgmt', labels: { 'cluster-api': 'enabled' } },
      spec: { kubeconfigName: 'mgmt-kubeconfig', kubeconfigKeyName: 'kubeconfig' },
      status: { ready: true, version: 'v1.35.0' },
    });
  });
});
