// Hostile templates: each would hang, exhaust memory or crash the process without the execution budgets
// (docs/design/sandbox.md). `hostile.test.ts` renders each in a child process with a deadline, so a
// regression fails the suite instead of hanging it. `expect` is the TemplateError code, or the output.

export interface HostileTemplate {
  name: string;
  template: string;
  expect: { code: 'TEMPLATE_LIMIT' } | { output: string | RegExp };
}

const bomb = (levels: number): string => {
  let y = 'a: &a [x,x,x,x,x,x,x,x,x,x]';
  const names = 'abcdefghijklmnop';
  for (let i = 1; i < levels; i++) {
    const p = names[i - 1]!;
    y += `\\n${names[i]}: &${names[i]} [${Array(10).fill(`*${p}`).join(',')}]`;
  }
  return y;
};

export const hostileTemplates: HostileTemplate[] = [
  {
    name: 'nested range over large until',
    template: '{{range until 100000}}{{range until 100000}}x{{end}}{{end}}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'until of a billion elements',
    template: '{{ len (until 1000000000) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'untilStep of two billion elements',
    template: '{{ len (untilStep 0 2000000000 1) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  { name: 'seq of a billion', template: '{{ seq 1000000000 }}', expect: { code: 'TEMPLATE_LIMIT' } },
  {
    name: 'repeat a billion times',
    template: '{{ repeat 1000000000 "abc" }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'string doubling',
    template: '{{ $s := "x" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'list doubling walked by toJson (shared parts)',
    template: '{{ $l := list 1 2 }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ len (toJson $l) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'dict doubling walked by toYaml',
    template:
      '{{ $d := dict "a" 1 }}{{ range until 40 }}{{ $d = dict "x" $d "y" $d }}{{ end }}{{ len (toYaml $d) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'dict doubling printed with %v',
    template:
      '{{ $d := dict "a" 1 }}{{ range until 40 }}{{ $d = dict "x" $d "y" $d }}{{ end }}{{ len (print $d) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'deepCopy of shared parts',
    template: '{{ $l := list 1 }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ len (deepCopy $l) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'backtracking regex (Go RE2 is linear; JavaScript RegExp is exponential here)',
    template: '{{ regexMatch "^(a+)+$" (print (repeat 40 "a") "!") }}',
    expect: { output: 'false' },
  },
  {
    name: 'backtracking regex in regexReplaceAll',
    template: '{{ regexReplaceAll "(x+x+)+y" (repeat 5000 "x") "z" | len }}',
    expect: { output: '5000' },
  },
  {
    name: 'empty regex replacing with a long text at every position',
    template: '{{ regexReplaceAll "" (repeat 100000 "a") (repeat 1000 "b") }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'semver constraint with a long run of spaces (backtracking in JavaScript)',
    template: '{{ semverCompare (print (repeat 30000 " ") "x") "1.0.0" }}',
    expect: { output: /true|false/ },
  },
  {
    name: 'YAML alias bomb in fromYaml',
    template: `{{ (fromYaml "${bomb(9)}").Error }}`,
    expect: { output: 'error converting YAML to JSON: yaml: document contains excessive aliasing' },
  },
  {
    name: 'YAML anchor containing itself',
    template: '{{ fromYaml "a: &x [1, *x]" }}',
    expect: { output: /anchor 'x' value contains itself/ },
  },
  {
    name: 'replace with an empty needle and a long text',
    template: '{{ len (replace "" (repeat 10000 "x") (repeat 100000 "a")) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'join of a list holding one large string many times',
    template:
      '{{ $b := repeat 1000000 "x" }}{{ $l := list }}{{ range until 100 }}{{ $l = append $l $b }}{{ end }}{{ len (join "" $l) }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'printf with many huge widths',
    template: '{{ printf (repeat 200 "%999999[1]d") 1 }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'indent by a million spaces on many lines',
    template: '{{ indent 1000000 (repeat 1000 "\\n") | len }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'output larger than the output budget',
    template: '{{ $s := repeat 1000000 "x" }}{{ range until 100 }}{{ $s }}{{ end }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'nesting deeper than the stack (RangeError when parsing)',
    template: `${'{{if true}}'.repeat(30000)}${'{{end}}'.repeat(30000)}`,
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'random string of a billion characters',
    template: '{{ randAlpha 1000000000 }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
  {
    name: 'many RSA keys',
    template: '{{ range until 1000 }}{{ genPrivateKey "rsa" }}{{ end }}',
    expect: { code: 'TEMPLATE_LIMIT' },
  },
];
