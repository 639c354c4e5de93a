// Hostile CEL rules: without a cost limit and with JavaScript's backtracking RegExp behind `matches`, each
// of these runs for minutes or exhausts memory inside one rule evaluation. `cel-run.ts` evaluates one in a
// child process; cel-hostile.test.ts gives it a deadline.

export interface HostileCEL {
  name: string;
  rule: string;
  /** CEL_COST: stopped by the cost limit; FALSE: evaluates (to false) quickly. */
  expect: 'CEL_COST' | 'FALSE';
}

const doubling = (depth: number): string => {
  let expr = 'resource.s + resource.s';
  for (let i = 0; i < depth; i++) expr = `cel.bind(v${i}, ${expr}, v${i} + v${i})`;
  return `${expr}.size() < 0`;
};

export const hostileCEL: HostileCEL[] = [
  {
    name: 'three nested comprehensions over a long list',
    rule: 'resource.x.exists(a, resource.x.exists(b, resource.x.exists(c, a + b + c < 0)))',
    expect: 'CEL_COST',
  },
  {
    name: 'nested map building a huge list',
    rule: 'resource.x.map(a, resource.x.map(b, resource.x.map(c, [a, b, c]))).size() < 0',
    expect: 'CEL_COST',
  },
  { name: 'string doubling with cel.bind', rule: doubling(40), expect: 'CEL_COST' },
  {
    name: 'backtracking regex in matches (RE2 is linear)',
    rule: 'resource.a.matches("^(a+)+$")',
    expect: 'FALSE',
  },
  {
    name: 'backtracking regex in the global matches form',
    rule: 'matches(resource.a, "^(a|aa)+$")',
    expect: 'FALSE',
  },
  {
    name: 'an error-swallowing OR around an expensive rule still fails on cost',
    rule: 'resource.x.exists(a, resource.x.exists(b, resource.x.exists(c, a + b + c < 0))) || true',
    expect: 'CEL_COST',
  },
];

/** The object the rules see: a list of 2000 integers, a short string, and a backtracking trap. */
export const celResource = {
  x: Array.from({ length: 2000 }, (_, i) => i),
  s: 'abcdefgh',
  a: `${'a'.repeat(40)}!`,
};
