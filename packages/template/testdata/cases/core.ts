// Go text/template constructs: lexing, parsing, execution, printing, errors.
import type { CaseDef } from '../../src/conformance.ts';

const m = { b: 2, a: 1, c: ['x', 'z'] };
const l = ['a', 'b', 3];

const handWritten: CaseDef[] = [
  { id: 'print-float-vs-int', template: '{{ .a }} {{ .b }}', data: { a: 3, b: 1000000 }, numbers: 'float64' },
  { id: 'print-int64', template: '{{ .a }} {{ .b }}', data: { a: 3, b: 1000000 } },
  { id: 'printf-float-d', template: '{{ printf "%v %d" .a .a }}', data: { a: 3 }, numbers: 'float64' },
  { id: 'print-map-slice', template: '{{ .m }}|{{ .l }}', data: { m, l } },
  { id: 'missing-key', template: '{{ .missing }}', data: {} },
  { id: 'index-missing', template: '{{ index .m "zz" }}|{{ index .l 1 }}', data: { m, l } },
  { id: 'nil-field', template: '{{ .nul.foo }}', data: { nul: null } },
  {
    id: 'truth-nil-string0',
    template: '{{ if .nul }}T{{else}}F{{end}}{{ if "0" }}T{{else}}F{{end}}',
    data: { nul: null },
  },
  {
    id: 'range-map-sorted',
    template: '{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}',
    data: { m: { b: 2, a: 1 } },
  },
  { id: 'range-nil-else', template: '{{ range .nul }}x{{ else }}none{{ end }}', data: { nul: null } },
  { id: 'range-string', template: '{{ range .s }}x{{ end }}', data: { s: 'hello' } },
  { id: 'range-error-after-call', template: '{{ range $x := printf "%s" "ab" }}{{ end }}' },
  { id: 'range-error-decl-field', template: '{{ range $i, $x := .s }}{{ end }}', data: { s: 'hi' } },
  { id: 'len-of-context-struct', template: '{{ len $ }}', context: 'addon', data: {} },
  { id: 'index-of-context-struct', template: '{{ index . "Cluster" }}', context: 'event-one', data: {} },
  {
    id: 'range-break-continue',
    template:
      '{{ range $i, $e := .l }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $i }}{{ $e }}{{ end }}',
    data: { l },
  },
  { id: 'print-spacing', template: '{{ print 1 2 "a" "b" 3 }}|{{ println 1 "a" }}' },
  { id: 'printf-missing-extra', template: '{{ printf "%s %s" "a" }}|{{ printf "%s" "a" "b" }}' },
  { id: 'eq-float-int', template: '{{ eq .i 3 }}', data: { i: 3 }, numbers: 'float64' },
  { id: 'eq-int64-multi', template: '{{ eq .i 3 4 }}|{{ lt .i 5 }}', data: { i: 3 } },
  { id: 'eq-coerced', template: '{{ eq (int64 .i) 3 }}|{{ eq .i 3.0 }}', data: { i: 3 }, numbers: 'float64' },
  { id: 'and-or-not', template: '{{ and 1 0 2 }}|{{ or 0 "" "x" }}|{{ not .l }}', data: { l: ['a'] } },
  { id: 'or-short-circuit', template: '{{ or 1 (fail "boom") }}|{{ and 0 (fail "boom") }}' },
  { id: 'or-empty', template: '[{{ or 0 "" }}]' },
  { id: 'len-bytes', template: '{{ len "héllo" }}' },
  { id: 'html-escape', template: '{{ html "<a href=\\"x\\">&\'</a>" }}' },
  { id: 'urlquery', template: '{{ urlquery "a b&c=d/é" }}' },
  { id: 'js-escape', template: '{{ js "a\'b\\"c<d>e&f=g\\\\h\\ni é \\u2028" }}' },
  { id: 'trim-markers', template: '{{23 -}} < {{- 45}}|{{-3}}' },
  {
    id: 'define-template',
    template: '{{ define "T" }}[{{ . }}]{{ end }}{{ template "T" .a }}{{ template "T" }}',
    data: { a: 'x' },
  },
  {
    id: 'assign-outer',
    template: '{{ $x := 1 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }}',
    data: { l: [1, 2] },
  },
  { id: 'pipeline-last-arg', template: '{{ "put" | printf "%s%s" "out" | printf "%q" }}' },
  {
    id: 'number-literals',
    template:
      "{{ 0x1F }}|{{ 1_000 }}|{{ 1e3 }}|{{ 'a' }}|{{ 07 }}|{{ 0o17 }}|{{ 0b101 }}|{{ 1.5 }}|{{ -2 }}|{{ +3 }}",
  },
  {
    id: 'number-more',
    template: "{{ 0x1p4 }}|{{ .5 }}|{{ 1. }}|{{ 1e-7 }}|{{ 2.0 }}|{{ '\\n' }}|{{ '\\u00e9' }}|{{ 0X1E }}",
  },
  { id: 'bad-char-dash', template: '{{ .k8s-version }}' },
  { id: 'comment-spaced', template: 'a{{ /* c */ }}b' },
  { id: 'comment-trim', template: 'a{{- /* c */}}b' },
  { id: 'comment-both-trim', template: 'a {{- /* c */ -}} b' },
  { id: 'comment-no-close', template: 'a{{/* c */ }}b' },
  { id: 'comment-unclosed', template: 'a{{/* c ' },
  { id: 'comment-multiline', template: 'a{{/* c\nd\n*/}}b{{ .x }}', data: { x: 'X' } },
  { id: 'malformed-char', template: "{{ if eq .a 'x.y' }}yes{{ end }}", data: { a: 'x' } },
  { id: 'template-nil-dot', template: '{{ define "T" }}{{ . }}{{ $ }}{{ end }}{{ template "T" }}' },
  { id: 'range-int', template: '{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}' },
  { id: 'range-int-two-vars', template: '{{ range $i, $j := 3 }}{{ $i }}{{ end }}' },
  { id: 'range-float', template: '{{ range .f }}x{{ end }}', data: { f: 3 }, numbers: 'float64' },
  { id: 'range-int64-data', template: '{{ range .n }}{{ . }}{{ end }}', data: { n: 3 } },
  { id: 'range-zero-else', template: '{{ range 0 }}x{{ else }}none{{ end }}' },
  { id: 'range-empty-list-else', template: '{{ range .l }}x{{ else }}empty{{ end }}', data: { l: [] } },
  {
    id: 'range-one-var-map',
    template: '{{ range $v := .m }}{{ $v }},{{ end }}',
    data: { m: { b: 2, a: 1 } },
  },
  { id: 'range-dot-elem', template: '{{ range .l }}<{{ . }}>{{ end }}', data: { l } },
  {
    id: 'range-assign-vars',
    template: '{{ $i := 0 }}{{ $e := 0 }}{{ range $i, $e = .l }}{{ end }}{{ $i }}{{ $e }}',
    data: { l },
  },
  {
    id: 'range-nested-break',
    template: '{{ range .a }}{{ range .b }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }};{{ end }}',
    data: { a: [{ b: [1, 2, 3] }, { b: [2] }] },
  },
  {
    id: 'if-else-if',
    template: '{{ if eq .x 1 }}one{{ else if eq .x 2 }}two{{ else }}other{{ end }}',
    data: { x: 2 },
  },
  {
    id: 'if-else-if-else',
    template: '{{ if eq .x 1 }}one{{ else if eq .x 2 }}two{{ else }}other{{ end }}',
    data: { x: 5 },
  },
  {
    id: 'with-else-with',
    template: '{{ with .a }}A{{ . }}{{ else with .b }}B{{ . }}{{ else }}none{{ end }}',
    data: { a: '', b: 'bee' },
  },
  { id: 'with-dot', template: '{{ with .m }}{{ .a }}{{ end }}', data: { m: { a: 'x' } } },
  { id: 'with-else', template: '{{ with .z }}yes{{ else }}no{{ end }}', data: { z: 0 } },
  { id: 'if-var-scope', template: '{{ if $x := .a }}{{ $x }}{{ end }}', data: { a: 'v' } },
  { id: 'var-out-of-scope', template: '{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}' },
  { id: 'var-redeclare', template: '{{ $x := 1 }}{{ $x := 2 }}{{ $x }}' },
  { id: 'var-undefined-assign', template: '{{ $x = 1 }}' },
  { id: 'dollar-root', template: '{{ range .l }}{{ $.name }}{{ end }}', data: { l: [1, 2], name: 'n' } },
  { id: 'block', template: '{{ block "B" .x }}[{{ . }}]{{ end }}|{{ template "B" "y" }}', data: { x: 'x' } },
  { id: 'template-undefined', template: '{{ template "nope" }}' },
  {
    id: 'template-recursion',
    template:
      '{{ define "r" }}{{ if . }}{{ len . }}{{ template "r" (rest .) }}{{ end }}{{ end }}{{ template "r" .l }}',
    data: { l: [1, 2, 3] },
  },
  {
    id: 'define-redefine',
    template: '{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}{{ template "a" }}',
  },
  { id: 'define-nested-error', template: '{{ if true }}{{ define "a" }}x{{ end }}{{ end }}' },
  { id: 'unexpected-end', template: '{{ end }}' },
  { id: 'unexpected-else', template: 'x{{ else }}' },
  { id: 'unclosed-if', template: '{{ if true }}x' },
  { id: 'unclosed-action', template: '{{ .x ' },
  { id: 'unclosed-action-multiline', template: 'a\n{{ .x\n\nb' },
  { id: 'missing-value-if', template: '{{ if }}x{{ end }}' },
  { id: 'missing-value-range', template: '{{ range }}x{{ end }}' },
  { id: 'empty-action', template: '{{ }}' },
  { id: 'undefined-function', template: '{{ nosuchfunc 1 }}' },
  { id: 'nil-command', template: '{{ nil }}' },
  { id: 'nil-arg-string', template: '{{ upper nil }}' },
  { id: 'nil-value-string-param', template: '{{ upper .n }}', data: { n: null } },
  { id: 'non-executable-stage', template: '{{ 1 | 2 }}' },
  { id: 'pipe-to-field-arg', template: '{{ "x" | .a }}', data: { a: 'A' } },
  { id: 'field-has-args', template: '{{ .a 1 }}', data: { a: 'A' } },
  { id: 'unexpected-paren', template: '{{ ) }}' },
  { id: 'unclosed-paren', template: '{{ (1 }}' },
  { id: 'parens-chain', template: '{{ (index .l 0).port }}', data: { l: [{ port: 80 }] } },
  { id: 'parens-nested', template: '{{ (printf "%d-%s" (add 1 2) (upper "x")) }}' },
  { id: 'dot-after-literal', template: '{{ "x".y }}' },
  { id: 'unterminated-string', template: '{{ "abc }}' },
  { id: 'unterminated-raw', template: '{{ `abc }}' },
  { id: 'raw-string-braces', template: '{{`{{ .x }}`}}|{{ "}}" }}' },
  { id: 'raw-string-newline', template: '{{ `a\nb` }}|{{ .x }}', data: { x: 1 } },
  { id: 'string-escapes', template: '{{ "a\\tb\\u00e9\\x41\\101\\"" }}' },
  { id: 'bad-escape', template: '{{ "\\q" }}' },
  { id: 'bad-number', template: '{{ 1a }}' },
  { id: 'bad-number-minus', template: '{{ 3-2 }}' },
  { id: 'bad-number-imaginary-sign', template: '{{ -i }}' },
  { id: 'overflow-int', template: '{{ 99999999999999999999 }}' },
  { id: 'unrecognized-char', template: '{{ \u00e9\u00e9 }}x{{ # }}' },
  { id: 'declare-colon', template: '{{ $x : 1 }}' },
  { id: 'too-many-decls', template: '{{ $a, $b := 1 }}' },
  { id: 'range-too-many-decls', template: '{{ range $a, $b, $c := .l }}{{ end }}', data: { l } },
  { id: 'break-outside', template: '{{ break }}' },
  { id: 'continue-outside', template: '{{ if true }}{{ continue }}{{ end }}' },
  {
    id: 'break-in-define',
    template: '{{ range .l }}{{ define "x" }}{{ break }}{{ end }}{{ end }}',
    data: { l },
  },
  { id: 'multiline-action', template: '{{ dict\n  "a" 1\n  "b" 2 }}' },
  { id: 'crlf-preserved', template: 'a\r\n{{ .x }}\r\nb\r\n', data: { x: 'X' } },
  { id: 'trim-crlf', template: 'a \r\n\t{{- .x -}} \r\n b', data: { x: 'X' } },
  { id: 'trim-not-number', template: '{{- 3 -}}|{{ -3 }}' },
  { id: 'exec-error-line-col', template: 'line1\n  {{ .a }}\n\t{{ .b.c }}', data: { a: 1, b: { d: 2 } } },
  { id: 'exec-error-utf8-col', template: 'héllo {{ .nope }}', data: {} },
  {
    id: 'exec-error-in-define',
    template: '{{ define "T" }}\n{{ .x }}{{ end }}{{ template "T" . }}',
    data: {},
  },
  { id: 'template-name-in-error', name: 'ns-cluster-profile', template: '{{ .x }}', data: {} },
  { id: 'missingkey-default', template: '{{ .x }}|{{ .y.z }}', data: { y: {} }, missingkey: 'default' },
  { id: 'missingkey-zero', template: '{{ .x }}|{{ printf "%v" .x }}', data: {}, missingkey: 'zero' },
  { id: 'missingkey-default-nil-data', template: '{{ .x.y }}', data: {}, missingkey: 'default' },
  { id: 'nil-data', template: '{{ .x }}' },
  { id: 'nil-data-dot', template: '[{{ . }}]' },
  { id: 'field-on-string', template: '{{ .s.foo }}', data: { s: 'str' } },
  { id: 'field-on-int', template: '{{ $x := 5 }}{{ $x.foo }}' },
  { id: 'field-on-list', template: '{{ .l.foo }}', data: { l: [1] } },
  { id: 'field-on-range-elem', template: '{{ range .l }}{{ .foo }}{{ end }}', data: { l: ['s'] } },
  { id: 'index-nested', template: '{{ index .m "c" 1 }}|{{ index .l 2 }}', data: { m, l } },
  { id: 'index-string-byte', template: '{{ index "abc" 1 }}' },
  { id: 'index-out-of-range', template: '{{ index .l 5 }}', data: { l } },
  { id: 'index-at-len', template: '{{ index .l 3 }}', data: { l } },
  { id: 'index-negative', template: '{{ index .l -1 }}', data: { l } },
  { id: 'index-wrong-key-type', template: '{{ index .m 1 }}', data: { m } },
  { id: 'index-slice-string-key', template: '{{ index .l "a" }}', data: { l } },
  { id: 'index-slice-float-key', template: '{{ index .l 1.5 }}', data: { l } },
  { id: 'index-nil', template: '{{ index nil 1 }}' },
  { id: 'index-nil-data', template: '{{ index .n "a" }}', data: { n: null } },
  { id: 'index-int', template: '{{ index 5 1 }}' },
  { id: 'index-no-keys', template: '{{ index .l }}', data: { l } },
  { id: 'index-nil-element', template: '{{ index .l 0 "x" }}', data: { l: [null] } },
  {
    id: 'index-dashed-key',
    template: '{{ index .m "k8s-version" }}',
    data: { m: { 'k8s-version': 'v1.30' } },
  },
  {
    id: 'len-various',
    template: '{{ len .m }}|{{ len .l }}|{{ len "" }}|{{ len .e }}',
    data: { m, l, e: {} },
  },
  { id: 'len-int', template: '{{ len 3 }}' },
  { id: 'len-nil', template: '{{ len .n }}', data: { n: null } },
  { id: 'not-values', template: '{{ not 0 }}|{{ not "" }}|{{ not .m }}|{{ not nil }}', data: { m } },
  { id: 'print-nil-inside', template: '{{ .l }}|{{ .m }}', data: { l: [null, 1], m: { a: null } } },
  { id: 'print-nested-map', template: '{{ .m }}', data: { m: { z: { y: [1, { b: 2, a: [] }] }, a: {} } } },
  { id: 'print-bools', template: '{{ true }}|{{ false }}|{{ .t }}', data: { t: true } },
  {
    id: 'printf-verbs',
    template:
      '{{ printf "%5s|%-5s|%05d|%.2f|%8.3f|%x|%X|%o|%b|%e|%g|%t|%c|%U|%q|%%" "ab" "cd" 42 3.14159 2.5 255 255 8 5 1234.5678 0.000012 true 65 233 "q\\"" }}',
  },
  {
    id: 'printf-float-hex-binary',
    template:
      '{{ printf "%x|%X|%b|%.2x|%.0x|%#x|%#X|%#.3x|%+x|%010x" 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 }}|{{ printf "%x|%x|%x|%b|%x|%x|%.1x|%.1x|%#.0x" 0.0 -3.75 5e-324 -1.5 1e300 0.1 1.03125 1.96875 1.0 }}',
  },
  {
    id: 'printf-float-ties',
    template:
      '{{ printf "%.0g|%.1g|%.0e|%.2g|%.3g|%.3e|%.0|" 2.5 0.25 2.5 0.125 1.0625 9.9995 2.5 }}|{{ printf "%.2e|%.1e|%.4g" 1.125 0.25 99999.5 }}',
  },
  {
    id: 'printf-arg-indexes',
    template:
      '{{ printf "%[2]s %[1\'] s|%[3]d|%[0]d|%[]d|%[1]2d|%[1].2f|%[x]d|%[2]*[1]d|%.[2]d|%5.|%-*d" "a" "b" 3 }}|{{ printf "%[1" 1 }}|{{ printf "%*d|%.*d" 10000000 1 -1 5 }}',
  },
  {
    id: 'printf-float-sharp',
    template:
      '{{ printf "%#.0|%#.1g|%#g|%#.3g|%#.0g|%#g|%#.2g" 2.5 2.0 2.0 100.0 0.5 1e7 123.0 }}|{{ printf "%#v|%#v|%#v|%#v" 2.0 (list 2.0 1.5) (dict "a" 3.0) 1e7 }}',
  },
  { id: 'printf-wrong-types', template: '{{ printf "%d|%s|%s|%t" "x" 42 1.0 1 }}' },
  { id: 'printf-T', template: '{{ printf "%T %T %T %T %T %T" 1 1.5 "s" .m .l nil }}', data: { m, l } },
  { id: 'printf-map-s', template: '{{ printf "%s" .m }}', data: { m: { a: 1, b: 'x' } }, numbers: 'float64' },
  { id: 'printf-x-string', template: '{{ printf "%x|% x|%#x|%X" "hi" "hi" "hi" "hi" }}' },
  { id: 'printf-plus-v', template: '{{ printf "%+v|%+d|% d" .m 5 5 }}', data: { m: { a: 1 } } },
  {
    id: 'printf-sharp-v',
    template: '{{ printf "%#v" .m }}|{{ printf "%#v" .l }}|{{ printf "%#v" "s" }}',
    data: { m: { a: 1 }, l: ['x', 2] },
  },
  { id: 'printf-width-star', template: '{{ printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159 }}' },
  { id: 'printf-noverb', template: '{{ printf "abc%" }}|{{ printf "%!" }}' },
  { id: 'printf-nil-arg', template: '{{ printf "%s|%d|%v" nil nil nil }}' },
  { id: 'printf-index-arg', template: '{{ printf "%[2]s %[1]s" "a" "b" }}' },
  { id: 'printf-q-int', template: '{{ printf "%q|%c|%U" \'x\' 0x1F600 0x1F600 }}' },
  {
    id: 'printf-floats',
    template: '{{ printf "%v|%v|%v|%v|%v|%v|%v" 1e21 1e20 123456789.0 0.0001 0.00001 -2.5e6 100000.0 }}',
  },
  {
    id: 'printf-e-prec',
    template:
      '{{ printf "%.3e|%.0f|%.1f|%.0f|%.2f|%10.4g|%G" 123456.789 2.5 0.25 3.5 1.005 3.14159265 1e-10 }}',
  },
  { id: 'println-spacing', template: '{{ println "a" "b" 1 2 }}' },
  {
    id: 'print-strings-adjacent',
    template: '{{ print "a" "b" }}|{{ print 1 "a" 2 }}|{{ print nil 1 }}|{{ print .m 1 }}',
    data: { m: { a: 1 } },
  },
  {
    id: 'compare-strings',
    template:
      '{{ lt "a" "b" }}|{{ gt "b" "a" }}|{{ le "a" "a" }}|{{ ge "a" "b" }}|{{ eq "a" "a" }}|{{ ne "a" "b" }}',
  },
  { id: 'compare-ints-mixed', template: '{{ lt (int64 1) 2 }}|{{ eq (len "ab") 2 }}|{{ gt 3 (add 1 1) }}' },
  { id: 'compare-bool-lt', template: '{{ lt true false }}' },
  { id: 'compare-map', template: '{{ eq .m .m }}', data: { m } },
  { id: 'compare-nil', template: '{{ eq .n nil }}', data: { n: null } },
  { id: 'compare-nil-value', template: '{{ eq .n 1 }}|{{ eq .n "x" }}', data: { n: null } },
  { id: 'compare-string-int', template: '{{ eq "1" 1 }}' },
  { id: 'compare-lt-string-int', template: '{{ lt "1" 1 }}' },
  { id: 'compare-lt-map', template: '{{ lt .m 1 }}', data: { m } },
  { id: 'compare-floats', template: '{{ lt 1.5 2.5 }}|{{ eq .f 2.5 }}|{{ ge .f 2.0 }}', data: { f: 2.5 } },
  { id: 'compare-eq-no-args', template: '{{ eq 1 }}' },
  { id: 'wrong-arg-count', template: '{{ lt 1 }}' },
  { id: 'wrong-arg-count-variadic', template: '{{ printf }}' },
  { id: 'and-or-values', template: '{{ and "a" "b" }}|{{ or "" .m }}|{{ and .l 0 }}', data: { m, l } },
  { id: 'and-pipeline-final', template: '{{ 0 | and 1 }}|{{ "x" | or "" }}' },
  { id: 'and-nil-arg', template: '{{ and nil 1 }}' },
  { id: 'and-undefined-value', template: '{{ and (index .m "zz") 1 }}', data: { m } },
  { id: 'call-nil', template: '{{ call .f }}', data: { f: null } },
  { id: 'call-non-func', template: '{{ call .f 1 }}', data: { f: 'x' } },
  { id: 'html-multi', template: '{{ html "a" 1 nil }}|{{ js 1 "<" }}|{{ urlquery .n }}', data: { n: null } },
  {
    id: 'struct-dot',
    template: '{{ . }}',
    context: 'addon',
    data: { Cluster: { metadata: { name: 'c1' } } },
  },
  { id: 'struct-unknown-field', template: '{{ .Nope }}', context: 'addon', data: {} },
  {
    id: 'struct-nil-map-field',
    template: '{{ .InfrastructureProvider }}|{{ len .KubeadmControlPlane }}',
    context: 'addon',
    data: {},
  },
  { id: 'struct-nil-map-key', template: '{{ .InfrastructureProvider.spec }}', context: 'addon', data: {} },
  { id: 'struct-field-args', template: '{{ .Cluster 1 }}', context: 'addon', data: { Cluster: {} } },
  {
    id: 'unlabelled-cluster',
    template: '{{ .Cluster.metadata.labels.env }}',
    context: 'addon',
    data: { Cluster: { metadata: { name: 'c' } } },
  },
  {
    id: 'if-missing-key',
    template: '{{ if .Cluster.metadata.labels }}x{{ end }}',
    context: 'addon',
    data: { Cluster: { metadata: {} } },
  },
  {
    id: 'default-missing-key',
    template: '{{ default "x" .Cluster.spec.missing }}',
    context: 'addon',
    data: { Cluster: { spec: {} } },
  },
  {
    id: 'matching-resource-print',
    template: '{{ .MatchingResource }}|{{ .MatchingResource.Name }}',
    context: 'event-one',
    data: { MatchingResource: { $ref: { Kind: 'Namespace', Name: 'foo', APIVersion: 'v1' } } },
  },
  {
    id: 'matching-resource-lower',
    template: '{{ .MatchingResource.name }}',
    context: 'event-one',
    data: { MatchingResource: { $ref: { Name: 'foo' } } },
  },
  {
    id: 'matching-resources-range',
    template: '{{- range $v := .MatchingResources }}\n{{ $v.Name }} {{ $v }}{{ printf "%v" $v }}{{- end }}',
    context: 'event-many',
    data: {
      MatchingResources: [
        { $ref: { Kind: 'Service', Namespace: 'ns', Name: 'a', APIVersion: 'v1' } },
        { $ref: { Name: 'b' } },
      ],
    },
  },
  {
    id: 'matching-resources-print',
    template: '{{ .MatchingResources }}',
    context: 'event-many',
    data: {
      MatchingResources: [{ $ref: { Kind: 'Service', Namespace: 'ns', Name: 'a', APIVersion: 'v1' } }],
    },
  },
  { id: 'event-wrong-mode', template: '{{ .Resources }}', context: 'event-one', data: {} },
  {
    id: 'event-nil-resource',
    template: '{{ .Resource }}|{{ .Resource.metadata }}',
    context: 'event-one',
    data: {},
  },
  {
    id: 'resources-nil-padding',
    template: '{{ range .Resources }}{{ . }};{{ end }}',
    context: 'event-many',
    data: { Resources: [{ a: 1 }, { $nilmap: true }] },
  },
  {
    id: 'seed-or-eq-port',
    template:
      '{{ range .Resource.spec.ports }}{{ if or (eq .port 443 ) (eq .port 8443 ) }}tls{{ .port }}{{ end }}{{ end }}',
    context: 'event-one',
    data: { Resource: { spec: { ports: [{ port: 443 }, { port: 80 }, { port: 8443 }] } } },
  },
  {
    id: 'seed-or-eq-port-float',
    template:
      '{{ range .Resource.spec.ports }}{{ if or (eq .port 443 ) (eq .port 8443 ) }}tls{{ .port }}{{ end }}{{ end }}',
    context: 'event-one',
    numbers: 'float64',
    data: { Resource: { spec: { ports: [{ port: 443 }] } } },
  },
  {
    id: 'typed-nilmap-print',
    template: '{{ .m }}|{{ len .m }}|{{ if .m }}t{{ else }}f{{ end }}',
    data: { m: { $nilmap: true } },
  },
  { id: 'int-marker', template: '{{ .i }}|{{ typeOf .i }}|{{ repeat .i "x" }}', data: { i: { $int: 3 } } },
  {
    id: 'strings-marker',
    template: '{{ .s }}|{{ typeOf .s }}|{{ index .s 1 }}',
    data: { s: { $strings: ['a', 'b'] } },
  },
  { id: 'float-marker', template: '{{ .f }}|{{ typeOf .f }}', data: { f: { $float: 3 } } },
  { id: 'large-int64', template: '{{ .n }}|{{ add .n 1 }}', data: { n: 9007199254740991 } },
  { id: 'negative-zero', template: '{{ .z }}|{{ printf "%v" -0.0 }}', data: { z: -0.0 }, numbers: 'float64' },
  {
    id: 'deep-template-recursion',
    template: '{{ define "x" }}{{ template "x" }}{{ end }}{{ template "x" }}',
  },
  { id: 'text-only', template: 'just text\nwith lines' },
  { id: 'empty-template', template: '' },
  { id: 'only-define', template: '{{ define "x" }}y{{ end }}' },
  { id: 'keyword-as-field', template: '{{ .if }}|{{ .range }}', data: { if: 1, range: 2 } },
  { id: 'variable-field-chain', template: '{{ $m := .m }}{{ $m.c }}', data: { m } },
  { id: 'chain-on-function', template: '{{ (dict "a" (dict "b" 1)).a.b }}' },
  { id: 'chain-on-nil', template: '{{ (nil).x }}' },
  { id: 'chain-missing', template: '{{ (dict "a" 1).b }}' },
  { id: 'func-no-parens-chain', template: '{{ list.foo }}' },
  { id: 'method-on-map-args', template: '{{ .m.a 1 }}', data: { m: { a: 1 } } },
  { id: 'unicode-text', template: 'ünïcödé {{ .x }} 🎉', data: { x: '日本' } },
  { id: 'with-var-decl', template: '{{ with $x := .a }}{{ $x }}{{ . }}{{ end }}', data: { a: 'v' } },
  { id: 'range-var-decl-scope', template: '{{ range $i, $e := .l }}{{ $i }}{{ end }}{{ $i }}', data: { l } },
  { id: 'else-with-in-if', template: '{{ if false }}a{{ else with .x }}b{{ . }}{{ end }}', data: { x: 'X' } },
  { id: 'else-garbage', template: '{{ if true }}a{{ else 1 }}b{{ end }}' },
  { id: 'end-garbage', template: '{{ if true }}a{{ end 1 }}' },
  { id: 'template-bad-name', template: '{{ template .x }}' },
  { id: 'define-bad-name', template: '{{ define x }}{{ end }}' },
  { id: 'block-no-pipeline', template: '{{ block "b" }}x{{ end }}' },
  { id: 'string-with-braces-in-action', template: '{{ print "}}" "{{" }}' },
  { id: 'left-delim-only', template: 'a {{ b' },
  { id: 'right-delim-text', template: 'a }} b' },
  { id: 'trim-left-only-space', template: 'a   {{- "b" }}   c' },
  {
    id: 'trim-newlines-range',
    template: 'items:\n{{- range .l }}\n  - {{ . }}\n{{- end }}\n',
    data: { l: ['a', 'b'] },
  },
];

/** Values of every type printed through several paths. */
function printMatrix(): CaseDef[] {
  const values: Record<string, unknown> = {
    int: 42,
    neg: -7,
    big: 1234567,
    float: 2.5,
    tiny: 0.00001,
    str: 'hé',
    empty: '',
    t: true,
    f: false,
    nul: null,
    list: [1, 'a', null, 2.5],
    map: { k: 'v', n: 1, z: null },
    emptyList: [],
    emptyMap: {},
  };
  const cases: CaseDef[] = [];
  for (const mode of ['int64', 'float64'] as const) {
    for (const key of Object.keys(values)) {
      cases.push({
        id: `print-matrix-${mode}-${key}`,
        template: `{{ .${key} }}|{{ print .${key} }}|{{ printf "%v|%s|%d|%q" .${key} .${key} .${key} .${key} }}|{{ toString .${key} }}|{{ typeOf .${key} }}|{{ kindOf .${key} }}|{{ if .${key} }}T{{ else }}F{{ end }}|{{ toJson .${key} }}`,
        data: values,
        numbers: mode,
      });
    }
  }
  return cases;
}

/** eq/ne/lt between values of each type pair. */
function compareMatrix(): CaseDef[] {
  const operands = ['1', '1.0', '"1"', 'true', '.i', '.f', '.s', '.n', '(int64 1)', '(len "a")'];
  const cases: CaseDef[] = [];
  for (const a of operands) {
    for (const b of operands) {
      for (const op of ['eq', 'lt']) {
        cases.push({
          id: `compare-${op}-${a}-${b}`.replace(/[^A-Za-z0-9.-]/g, '_'),
          template: `{{ ${op} ${a} ${b} }}`,
          data: { i: 1, f: { $float: 1 }, s: '1', n: null },
        });
      }
    }
  }
  return cases;
}

/** Truthiness of each kind of value in if/with/and/or/not. */
function truthMatrix(): CaseDef[] {
  const exprs = [
    '0',
    '1',
    '0.0',
    '0.5',
    '""',
    '" "',
    '"0"',
    '"false"',
    'false',
    'true',
    'nil',
    '.l',
    '.e',
    '.m',
    '.em',
    '.n',
    '(list)',
    '(dict)',
  ];
  return exprs.map((e, i) => ({
    id: `truth-${i}`,
    template: `{{ if ${e} }}T{{ else }}F{{ end }}{{ with ${e} }}W{{ end }}{{ not ${e} }}{{ and ${e} "x" }}{{ or ${e} "y" }}`,
    data: { l: [0], e: [], m: { a: 0 }, em: {}, n: null },
  }));
}

/** Trim markers and whitespace shapes around actions. */
function trimMatrix(): CaseDef[] {
  const spaces = [' ', '\t', '\n', '\r\n', '  \n  '];
  const cases: CaseDef[] = [];
  spaces.forEach((sp, i) => {
    cases.push({ id: `trim-left-${i}`, template: `a${sp}{{- ${'"x"'} }}${sp}b` });
    cases.push({ id: `trim-right-${i}`, template: `a${sp}{{ "x" -}}${sp}b` });
    cases.push({ id: `trim-both-${i}`, template: `a${sp}{{- "x" -}}${sp}b` });
    cases.push({ id: `trim-marker-space-${i}`, template: `a{{-${sp}"x"${sp}-}}b` });
  });
  cases.push({ id: 'trim-no-space-left', template: 'a {{-"x" }} b' });
  cases.push({ id: 'trim-no-space-right', template: 'a {{ "x"-}} b' });
  return cases;
}

export const cases: CaseDef[] = [
  ...handWritten,
  ...printMatrix(),
  ...compareMatrix(),
  ...truthMatrix(),
  ...trimMatrix(),
];
