// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${name} is Go regexp replacement syntax
// Sprig functions: happy paths and error paths, table-driven.
import type { CaseDef } from '../../src/conformance.ts';

/** [id suffix, template] pairs rendered with the common data below. */
const table: [string, string][] = [
  ['hello', '{{ hello }}'],
  ['abbrev', '{{ abbrev 5 "hello world" }}|{{ abbrev 3 "hello" }}|{{ abbrev 20 "short" }}'],
  ['abbrevboth', '{{ abbrevboth 5 10 "1234 5678 9123" }}|{{ abbrevboth 2 7 "abcdefghijklmno" }}'],
  [
    'trunc',
    '{{ trunc 5 "hello world" }}|{{ trunc -3 "hello world" }}|{{ trunc 50 "x" }}|{{ trunc 2.0 "abc" }}',
  ],
  ['trunc-int64', '{{ trunc .i "abc" }}'],
  ['trunc-float', '{{ trunc .f "abc" }}'],
  ['trunc-string-arg', '{{ trunc "2" "abc" }}'],
  [
    'trim',
    '{{ trim "  a b \\n\\t" }}|{{ trimAll "$" "$5.00$" }}|{{ trimall "ab" "abcba" }}|{{ trimSuffix "-" "x-" }}|{{ trimPrefix "-" "-x" }}',
  ],
  [
    'case',
    '{{ upper "héllo" }}|{{ lower "HÉLLO" }}|{{ title "hello wORLD-x_y" }}|{{ untitle "Hello World" }}|{{ swapcase "Hello World" }}',
  ],
  [
    'substr',
    '{{ substr 0 4 "hello" }}|{{ substr 1 -1 "hello" }}|{{ substr -1 2 "hello" }}|{{ substr 2 99 "hello" }}',
  ],
  ['substr-panic', '{{ substr 3 1 "hello" }}'],
  ['substr-panic-end', '{{ substr -1 10 "hello" }}'],
  ['repeat', '{{ repeat 3 "ab" }}|{{ repeat 0 "x" }}'],
  ['repeat-negative', '{{ repeat -1 "x" }}'],
  ['repeat-int64', '{{ repeat .i "x" }}'],
  ['repeat-piped', '{{ .i | int | repeat 2 }}'],
  ['nospace-initials', '{{ nospace "a b\\tc" }}|{{ initials "hello big world" }}'],
  [
    'snakecase',
    '{{ snakecase "FirstName" }}|{{ snakecase "HTTPServer" }}|{{ snakecase "foo bar" }}|{{ snakecase "already_snake" }}',
  ],
  ['camelcase', '{{ camelcase "foo_bar" }}|{{ camelcase "http_server" }}|{{ camelcase "some words" }}'],
  ['kebabcase', '{{ kebabcase "FirstName" }}|{{ kebabcase "fooBar" }}|{{ kebabcase "foo_bar" }}'],
  [
    'case-words',
    '{{ range (list "First{{Name" "A.B" "Bld4Floor" "HTTP2xx" "abc123def" "a__b--c  d" "_lead" "HTTPStatusCode" "v1.2.3" "__" "-" "getHTTPResponse2xxOK" "x86_64" "ÉtéÀ" "日本語Name" "$$Money" "AB1c") }}{{ snakecase . }}|{{ kebabcase . }}|{{ camelcase . }};{{ end }}',
  ],
  [
    'wrap',
    '{{ wrap 10 "the quick brown fox jumps over the lazy dog" }}|{{ wrapWith 5 "\\t" "Hello World" }}|{{ wrap 3 "abcdefgh ij" }}',
  ],
  [
    'contains',
    '{{ contains "cat" "catch" }}|{{ hasPrefix "ca" "cat" }}|{{ hasSuffix "at" "cat" }}|{{ contains "x" "abc" }}',
  ],
  [
    'quote',
    '{{ quote "a" 1 nil "b\\"c" }}|{{ squote "a" 2 nil }}|{{ quote nil }}|{{ quote }}|{{ quote .l }}',
  ],
  ['cat', '{{ cat "a" nil 1 .l }}|{{ cat }}'],
  ['indent', '{{ indent 2 "a\\nb" }}|{{ nindent 4 "x\\ny" }}|{{ indent 0 "z" }}'],
  ['replace', '{{ replace " " "-" "a b c" }}|{{ "a.b" | replace "." "_" }}|{{ replace "" "-" "ab" }}'],
  ['plural', '{{ plural "one" "many" 1 }}|{{ plural "one" "many" 2 }}|{{ len .l | plural "x" "xs" }}'],
  ['hashes', '{{ sha1sum "abc" }}|{{ sha256sum "abc" }}|{{ adler32sum "abc" }}'],
  ['sha512', '{{ sha512sum "abc" }}'],
  [
    'toString',
    '{{ toString 1 }}|{{ toString 1.5 }}|{{ toString nil }}|{{ toString .m }}|{{ toString true }}',
  ],
  ['atoi', '{{ atoi "42" }}|{{ atoi "7x" }}|{{ atoi "-3" }}|{{ atoi " 1" }}|{{ typeOf (atoi "1") }}'],
  [
    'int-conversions',
    '{{ int "12.7" }}|{{ int "0x1F" }}|{{ int "012" }}|{{ int "08" }}|{{ int "12.0" }}|{{ int 2.9 }}|{{ int true }}|{{ int nil }}',
  ],
  ['int64-conversions', '{{ int64 "12" }}|{{ int64 .f }}|{{ int64 "1_000" }}|{{ typeOf (int64 1) }}'],
  [
    'float64-conversions',
    '{{ float64 "1.5" }}|{{ float64 3 }}|{{ float64 "x" }}|{{ float64 "1e3" }}|{{ typeOf (float64 1) }}',
  ],
  [
    'seq',
    '{{ seq 5 }}|{{ seq -3 }}|{{ seq 2 5 }}|{{ seq 5 2 }}|{{ seq 0 2 10 }}|{{ seq 10 -3 1 }}|{{ seq }}|{{ seq 1 2 3 4 }}',
  ],
  ['toDecimal', '{{ toDecimal "0777" }}|{{ toDecimal 777 }}|{{ toDecimal "9" }}'],
  ['split', '{{ split "," "a,b" }}|{{ (split "$" "foo$bar").\\_1 }}'],
  [
    'split2',
    '{{ $s := split "," "a,b" }}{{ $s._1 }}|{{ splitList "," "a,b,,c" }}|{{ splitn "," 2 "a,b,c" }}|{{ splitList "" "abc" }}',
  ],
  ['toStrings', '{{ toStrings .l }}|{{ typeOf (toStrings .l) }}|{{ toStrings "x" }}'],
  [
    'until',
    '{{ until 3 }}|{{ until -2 }}|{{ untilStep 0 10 3 }}|{{ untilStep 5 0 -2 }}|{{ typeOf (until 1) }}',
  ],
  [
    'math-int',
    '{{ add 1 2 3 }}|{{ add1 5 }}|{{ sub 5 7 }}|{{ mul 2 3 4 }}|{{ div 7 2 }}|{{ mod 7 3 }}|{{ add }}|{{ typeOf (add 1 1) }}',
  ],
  ['math-mixed', '{{ add .i 1 }}|{{ mul .i 1.5 }}|{{ add 1 2.7 }}|{{ add "3" 4 }}|{{ add .f 1 }}'],
  ['div-zero', '{{ div 1 0 }}'],
  ['mod-zero', '{{ mod 1 0 }}'],
  [
    'math-float',
    '{{ addf 1 .f }}|{{ add1f 1.5 }}|{{ subf 10 0.1 }}|{{ mulf 1.1 3 }}|{{ divf 1 3 }}|{{ addf 0.1 0.2 }}|{{ divf 10 4 }}',
  ],
  ['divf-zero', '{{ divf 1 0 }}'],
  [
    'minmax',
    '{{ max 1 5 3 }}|{{ min 4 2 8 }}|{{ biggest 1 2 }}|{{ maxf 1.5 2 }}|{{ minf 1.5 2 0.5 }}|{{ max "7" 3 }}',
  ],
  [
    'round',
    '{{ ceil 1.2 }}|{{ floor 1.8 }}|{{ round 2.555 2 }}|{{ round 1.5 0 }}|{{ round 1.4 0 }}|{{ round -1.5 0 }}|{{ round 2.5 0 0.6 }}',
  ],
  ['join', '{{ join "," (list 1 2 nil "x") }}|{{ join "-" .l }}|{{ join "," "abc" }}'],
  ['sortAlpha', '{{ sortAlpha (list "b" "a" "C" 10 2) }}|{{ sortAlpha "x" }}'],
  [
    'default',
    '{{ default "d" 0 }}|{{ default "d" .l }}|{{ default "d" "" }}|{{ default "d" nil }}|{{ default "d" false }}|{{ default "d" 1 }}|{{ "" | default "p" }}',
  ],
  [
    'empty',
    '{{ empty 0 }}|{{ empty "" }}|{{ empty .l }}|{{ empty (list) }}|{{ empty (dict) }}|{{ empty nil }}|{{ empty 0.0 }}|{{ empty "a" }}',
  ],
  ['coalesce', '{{ coalesce "" 0 "c" }}|{{ coalesce nil "" }}|{{ coalesce }}'],
  ['all-any', '{{ all 1 "a" }}|{{ all 1 "" }}|{{ any 0 "" }}|{{ any 0 "x" }}|{{ all }}|{{ any }}'],
  ['compact', '{{ compact (list 1 0 "" nil "a" false) }}|{{ mustCompact .l }}'],
  ['compact-error', '{{ compact "abc" }}'],
  ['compact-nil', '{{ compact nil }}'],
  [
    'json',
    '{{ toJson .m }}|{{ toJson "<&>" }}|{{ toRawJson "<&>" }}|{{ toPrettyJson .m }}|{{ mustToJson .l }}|{{ mustToPrettyJson (list) }}|{{ mustToRawJson (dict "a" "<") }}',
  ],
  [
    'json-floats',
    '{{ toJson 1e21 }}|{{ toJson 1e20 }}|{{ toJson 0.000001 }}|{{ toJson 0.0000001 }}|{{ toJson 1000000.0 }}|{{ toJson -0.5 }}',
  ],
  ['json-escapes', '{{ toJson "a\\nb\\tc\\u0001\\u2028\\"\\\\" }}'],
  [
    'mustFromJson',
    '{{ mustFromJson "[1,\\"a\\"]" }}|{{ mustFromJson "{\\"a\\":1}" }}|{{ typeOf (mustFromJson "1") }}',
  ],
  ['mustFromJson-error', '{{ mustFromJson "{" }}'],
  ['ternary', '{{ ternary "a" "b" true }}|{{ ternary "a" "b" false }}|{{ true | ternary 1 2 }}'],
  ['ternary-nonbool', '{{ ternary "a" "b" 1 }}'],
  ['deepCopy', '{{ $c := deepCopy .m }}{{ $_ := set $c "new" 1 }}{{ .m }}|{{ $c }}|{{ mustDeepCopy .l }}'],
  [
    'typeOf',
    '{{ typeOf 1 }}|{{ typeOf .i }}|{{ typeOf .f }}|{{ typeOf "s" }}|{{ typeOf .m }}|{{ typeOf .l }}|{{ typeOf nil }}|{{ typeOf (splitList "," "a") }}|{{ typeOf (split "," "a") }}',
  ],
  [
    'typeIs',
    '{{ typeIs "int" 1 }}|{{ typeIsLike "int" 1 }}|{{ kindIs "map" .m }}|{{ kindOf .l }}|{{ kindOf 1.5 }}|{{ kindOf nil }}|{{ deepEqual .l .l }}|{{ deepEqual 1 1.0 }}',
  ],
  ['env-disabled', '{{ env "HOME" }}'],
  ['expandenv-disabled', '{{ expandenv "$HOME" }}'],
  ['getHostByName-disabled', '{{ getHostByName "localhost" }}'],
  [
    'paths',
    '{{ base "/a/b.txt" }}|{{ dir "/a/b.txt" }}|{{ clean "/a/../b//c/" }}|{{ ext "x.tar.gz" }}|{{ isAbs "/x" }}|{{ isAbs "x" }}|{{ base "" }}|{{ dir "x" }}|{{ clean "" }}|{{ base "/" }}',
  ],
  [
    'ospaths',
    '{{ osBase "/a/b" }}|{{ osDir "/a/b" }}|{{ osClean "a//b" }}|{{ osExt "a.b" }}|{{ osIsAbs "/" }}',
  ],
  [
    'base64',
    '{{ b64enc "hello" }}|{{ b64dec "aGVsbG8=" }}|{{ b64dec "!!" }}|{{ b64dec "aGVsbG8" }}|{{ b64dec "aGVs\\nbG8=" }}|{{ b64dec "aG=Vs" }}',
  ],
  ['base32', '{{ b32enc "hello" }}|{{ b32dec "NBSWY3DP" }}|{{ b32dec "!!" }}|{{ b32enc "" }}'],
  ['list', '{{ list 1 "a" nil }}|{{ tuple 1 2 }}|{{ list }}|{{ typeOf (list) }}'],
  ['dict', '{{ dict "b" 2 "a" (list 1 "x") }}|{{ dict "odd" }}|{{ dict 1 2 }}|{{ dict }}'],
  [
    'get-set',
    '{{ $d := dict "a" 1 }}{{ get $d "a" }}|{{ get $d "z" }}|{{ set $d "b" 2 }}|{{ unset $d "a" }}|{{ hasKey $d "b" }}|{{ hasKey $d "a" }}',
  ],
  ['get-wrong-type', '{{ get .l "a" }}'],
  ['get-string-literal', '{{ get "x" "a" }}'],
  ['set-nil-map', '{{ set .nm "a" 1 }}'],
  ['pluck', '{{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }}'],
  ['keys-single', '{{ keys (dict "a" 1) }}|{{ keys (dict "b" 1 "a" 2) | sortAlpha }}'],
  ['pick-omit', '{{ pick .m "a" "zz" }}|{{ omit .m "a" }}'],
  [
    'merge',
    '{{ $d := dict "a" 1 "n" (dict "x" 1) }}{{ merge $d (dict "a" 2 "b" 3 "n" (dict "x" 2 "y" 3)) }}|{{ $d }}',
  ],
  [
    'mergeOverwrite',
    '{{ $d := dict "a" 1 "n" (dict "x" 1) "l" (list 1) }}{{ mergeOverwrite $d (dict "a" 2 "n" (dict "y" 3) "l" (list 2)) }}',
  ],
  [
    'merge-empty-dst',
    '{{ merge (dict "a" "" "b" 0) (dict "a" "x" "b" 5 "c" nil) }}|{{ mergeOverwrite (dict "a" 1) (dict "a" nil) }}',
  ],
  ['values-single', '{{ values (dict "a" 1) }}'],
  [
    'append-prepend',
    '{{ append .l 4 }}|{{ push (list) "x" }}|{{ prepend .l 0 }}|{{ mustAppend .l nil }}|{{ mustPrepend (list 1) 2 }}',
  ],
  ['append-error', '{{ append "x" 1 }}'],
  ['append-nil', '{{ append nil 1 }}'],
  [
    'first-last',
    '{{ first .l }}|{{ last .l }}|{{ rest .l }}|{{ initial .l }}|{{ first (list) }}|{{ last (list) }}|{{ rest (list) }}|{{ mustFirst .l }}|{{ mustLast .l }}',
  ],
  ['first-error', '{{ first "abc" }}'],
  ['last-error', '{{ last 5 }}'],
  [
    'reverse-uniq',
    '{{ reverse .l }}|{{ uniq (list 1 1 "a" "a" 2) }}|{{ without .l "a" 3 }}|{{ mustReverse (list) }}|{{ mustUniq (list 1.5 1.5) }}',
  ],
  ['reverse-error', '{{ reverse .m }}'],
  [
    'has',
    '{{ has "a" .l }}|{{ has 4 .l }}|{{ has 1 .fl }}|{{ has 1.0 .fl }}|{{ has 1 nil }}|{{ mustHas "b" .l }}',
  ],
  ['has-error', '{{ has 1 "abc" }}'],
  [
    'slice',
    '{{ slice .l 1 }}|{{ slice .l 1 2 }}|{{ slice .l }}|{{ slice (list) }}|{{ mustSlice .l 0 1 }}|{{ slice (splitList "," "a,b,c") 1 }}',
  ],
  ['slice-string', '{{ slice "abcdef" 1 3 }}'],
  ['slice-out-of-range', '{{ slice .l 2 9 }}'],
  ['concat', '{{ concat .l (list 4 5) (list) }}|{{ concat }}'],
  ['concat-error', '{{ concat .l "x" }}'],
  [
    'dig',
    '{{ dig "a" "b" "def" (dict "a" (dict "b" 1)) }}|{{ dig "a" "z" "def" (dict "a" (dict "b" 1)) }}|{{ dig "x" "def" .m }}',
  ],
  ['dig-few-args', '{{ dig "a" (dict) }}'],
  ['dig-not-map', '{{ dig "a" "b" "d" (dict "a" "s") }}'],
  ['dig-key-not-string', '{{ dig "a" 1 "d" (dict "a" "s") }}'],
  ['dig-last-not-map', '{{ dig "a" 1 "d" "s" }}'],
  ['chunk', '{{ chunk 2 (list 1 2 3 4 5) }}|{{ chunk 3 (list) }}|{{ mustChunk 5 .l }}'],
  ['chunk-error', '{{ chunk 2 "abc" }}'],
  ['fail', '{{ fail "boom" }}'],
  ['fail-pipeline', '{{ "x" | fail }}'],
  [
    'regex',
    '{{ regexMatch "^[a-z]+$" "abc" }}|{{ regexMatch "^[a-z]+$" "aBc" }}|{{ regexFind "[0-9]+" "ab12cd34" }}|{{ regexFindAll "[0-9]" "a1b2c3" -1 }}|{{ regexFindAll "[0-9]" "a1b2c3" 2 }}|{{ regexFindAll "x" "abc" -1 }}',
  ],
  [
    'regex-replace',
    '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}|{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}|{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}|{{ regexReplaceAll "(?P<first>\\\\w+) (?P<last>\\\\w+)" "John Smith" "$last, $first" }}|{{ regexReplaceAll "b*" "abc" "X" }}',
  ],
  [
    'regex-split',
    '{{ regexSplit "z+" "pizza" -1 }}|{{ regexSplit "z+" "pizza" 1 }}|{{ regexSplit "z+" "pizza" 0 }}|{{ regexSplit "" "abc" -1 }}|{{ regexSplit "a" "" -1 }}',
  ],
  [
    'regex-meta',
    '{{ regexQuoteMeta "1.2+3*[x]" }}|{{ regexMatch "(?i)ABC" "abc" }}|{{ regexFind "\\\\s+" "a \\t b" | len }}|{{ regexMatch "^\\\\pL+$" "héllo" }}|{{ regexFind "[[:digit:]]+" "ab123" }}',
  ],
  [
    'regex-must',
    '{{ mustRegexMatch "a" "a" }}|{{ mustRegexFind "b+" "abbb" }}|{{ mustRegexFindAll "." "abc" 2 }}|{{ mustRegexReplaceAll "a" "aa" "b" }}|{{ mustRegexReplaceAllLiteral "a" "aa" "$1" }}|{{ mustRegexSplit "," "a,b" -1 }}',
  ],
  ['regex-bad-match', '{{ regexMatch "(" "x" }}'],
  ['regex-bad-find', '{{ regexFind "(" "x" }}'],
  ['regex-bad-must', '{{ mustRegexMatch "(" "x" }}'],
  ['regex-bad-bracket', '{{ mustRegexFind "[a" "x" }}'],
  ['regex-bad-repeat', '{{ mustRegexFind "*a" "x" }}'],
  ['regex-bad-nested', '{{ mustRegexFind "a**" "x" }}'],
  ['regex-bad-paren', '{{ mustRegexFind "a)" "x" }}'],
  ['regex-bad-escape', '{{ mustRegexFind "\\\\q" "x" }}'],
  ['regex-lone-bracket', '{{ regexReplaceAll "-]+" "a-]]b" "x" }}|{{ regexFindAll "a]" "a]a]" -1 }}'],
  ['regex-class-bad-range', '{{ mustRegexFind "[^a-z0-+" "x" }}'],
  ['regex-class-reversed', '{{ mustRegexFind "[z-a]" "x" }}'],
  ['regex-class-reversed-hex', '{{ mustRegexFind "[a-\\\\x{41}]" "x" }}'],
  ['regex-class-open-range', '{{ mustRegexFind "[a-" "x" }}'],
  ['regex-class-bad-posix', '{{ mustRegexFind "[[:foo:]x]" "x" }}'],
  ['regex-class-backspace', '{{ mustRegexFind "[\\\\b]" "x" }}'],
  ['regex-class-bad-hex', '{{ mustRegexFind "[\\\\x{zz}]" "x" }}'],
  [
    'regex-class-posix-union',
    '{{ regexFindAll "[x[:^alpha:]]" "ax1" -1 }}|{{ regexFindAll "[[:digit:]-]" "1-a" -1 }}|{{ regexFindAll "[[:a]" "[:ab" -1 }}|{{ regexFindAll "[^[:space:]x]+" "ab x\\tcd" -1 }}',
  ],
  ['regex-class-bad-group', '{{ mustRegexFind "[\\\\p{Nope}]" "x" }}'],
  [
    'regex-class-ok',
    '{{ regexFindAll "[]a]" "a]b" -1 }}|{{ regexFindAll "[\\\\d-z]" "1-z" -1 }}|{{ regexMatch "^[\\\\pZ\\\\p{Greek}a-c]+$" "β a" }}|{{ regexFindAll "[\\\\x41-\\\\x{43}\\\\101]" "ABCD" -1 }}|{{ regexFindAll "[[:^alpha:]]" "a1" -1 }}',
  ],
  [
    'url',
    '{{ urlParse "https://user:pw@example.com:8080/p/a%20t?q=1#frag" }}|{{ (urlParse "http://h/x").hostname }}',
  ],
  [
    'urlJoin',
    '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1" "fragment" "f") }}|{{ urlJoin (dict "host" "h") }}',
  ],
  [
    'semver',
    '{{ semver "1.2.3-beta.1+build" }}|{{ (semver "v1.2.3").Major }}|{{ (semver "1.2").Minor }}|{{ (semver "1.2.3-rc.1").Prerelease }}|{{ typeOf (semver "1.0.0") }}',
  ],
  [
    'semver-methods',
    '{{ (semver "1.2.3").LessThan (semver "1.3.0") }}|{{ (semver "2.0.0").GreaterThan (semver "1.0.0") }}|{{ (semver "1.0.0").Compare (semver "1.0.0") }}|{{ (semver "1.2.3+m").Metadata }}|{{ (semver "v1.2").Original }}',
  ],
  ['semver-invalid', '{{ semver "x.y" }}'],
  ['semver-method-args', '{{ $v := semver "1.2.3" }}{{ $v.Patch fromYaml }}'],
  [
    'semverCompare',
    '{{ semverCompare ">=1.2.3" "1.3.0" }}|{{ semverCompare "^1.2" "1.9.9" }}|{{ semverCompare "^1.2" "2.0.0" }}|{{ semverCompare "~1.2.3" "1.2.9" }}|{{ semverCompare "~1.2.3" "1.3.0" }}|{{ semverCompare "1.2.x" "1.2.7" }}|{{ semverCompare ">1, <3 || =5.0.0" "5.0.0" }}|{{ semverCompare "1.1 - 1.3" "1.2.0" }}|{{ semverCompare ">=1.0.0" "1.1.0-beta" }}|{{ semverCompare "!=1.2.3" "1.2.3" }}',
  ],
  [
    'semverCompare-k8s',
    '{{ semverCompare ">=1.26.0-0" "v1.27.3-eks-1" }}|{{ semverCompare "<1.25" "1.24.9" }}|{{ semverCompare "^0.2.3" "0.2.9" }}|{{ semverCompare "^0.2.3" "0.3.0" }}',
  ],
  ['semverCompare-bad-version', '{{ semverCompare ">1" "abc" }}'],
  ['semverCompare-bad-segment', '{{ semverCompare ">=1.30-,0" "1.31.0" }}'],
  [
    'semverCompare-forms',
    '{{ semverCompare ">= 1.2, < 2" "1.5.0" }}|{{ semverCompare "1.2 - 1.4 || >= 3" "3.1.0" }}|{{ semverCompare "  >1.0 <2.0  " "1.5.0" }}|{{ semverCompare "v1.x" "1.3.0" }}|{{ semverCompare "*" "1.3.0" }}',
  ],
  ['semverCompare-bad-or', '{{ semverCompare ">=1.2 ||" "1.3.0" }}'],
  ['semverCompare-constraint-first', '{{ semverCompare "!!1" "not-a-version" }}'],
  ['semverCompare-bad-constraint', '{{ semverCompare "!!1" "1.0.0" }}'],
  [
    'date-fixed',
    '{{ date "2006-01-02 15:04:05 MST" 0 }}|{{ date "Jan 2, 2006 at 3:04pm (MST)" .epoch }}|{{ htmlDate .epoch }}|{{ dateInZone "2006-01-02T15:04:05Z07:00" .epoch "UTC" }}|{{ date_in_zone "02 Jan 06" .epoch "Nowhere/Bad" }}',
  ],
  [
    'date-layouts',
    '{{ date "Monday January _2 2006 03:04:05.000 PM -0700 Z07:00" .epoch }}|{{ date "Mon Jan 2 15:04:05.999999999" .epoch }}|{{ date "06/1/2 3PM pm __2 002" .epoch }}',
  ],
  [
    'toDate',
    '{{ toDate "2006-01-02" "2024-03-15" }}|{{ (toDate "2006-01-02" "2024-03-15") | date "Jan 2" }}|{{ toDate "2006-01-02" "bad" }}|{{ unixEpoch (toDate "2006-01-02T15:04:05Z07:00" "2024-03-15T10:00:00+02:00") }}',
  ],
  ['mustToDate-error', '{{ mustToDate "2006-01-02" "2024-13-45" }}'],
  ['mustToDate-range-first', '{{ mustToDate "2006-01-02x" "2024-13-10y" }}'],
  [
    'date-layout-text',
    '{{ date "Monday Januar 2 Jann Mond Mon_ Jan2 _2006 __2 002 Monx MonX" 1 }}|{{ mustToDate "Januar 2006" "Januar 2024" }}|{{ toDate "2006-01-02 15:04" "2024-01-02   10:00" }}|{{ toDate "2006-01-02  15:04" "2024-01-02 10:00" }}',
  ],
  ['mustToDate-partial-literal', '{{ mustToDate "2006-.a.b01-02x" "2024-13-10y" }}'],
  [
    'mustToDate-ranges',
    '{{ toDate "2006-01-02 15:04:05" "2024-01-02 24:00:00" }}|{{ toDate "2006-01-02 15:04:05" "2024-01-02 23:60:00" }}|{{ toDate "2006-01-02 15:04:05" "2024-01-02 23:59:60" }}|{{ toDate "2006-01-02 03:04 PM" "2024-01-02 13:04 PM" }}|{{ toDate "2006-01-02 15:04" "2024-01-02 5:07" }}',
  ],
  [
    'dateModify',
    '{{ (toDate "2006-01-02" "2024-03-15") | dateModify "-1.5h" | date "2006-01-02 15:04" }}|{{ (toDate "2006-01-02" "2024-03-15") | date_modify "bad" | date "2006-01-02" }}|{{ (toDate "2006-01-02" "2024-03-15") | mustDateModify "90m" | date "15:04" }}',
  ],
  ['mustDateModify-error', '{{ (toDate "2006-01-02" "2024-03-15") | mustDateModify "xyz" }}'],
  ['dateModify-wrong-type', '{{ dateModify "1h" "2024" }}'],
  [
    'duration',
    '{{ duration 95 }}|{{ duration "3600" }}|{{ duration .i }}|{{ duration 1.5 }}|{{ durationRound "2h10m" }}|{{ durationRound "400h" }}|{{ durationRound "900h" }}|{{ durationRound "9000h" }}|{{ durationRound "1s" }}|{{ durationRound 61000000000 }}',
  ],
  [
    'derivePassword',
    '{{ derivePassword 1 "long" "password" "user" "example.com" }}|{{ derivePassword 2 "pin" "pw" "u" "site" }}|{{ derivePassword 1 "nope" "pw" "u" "s" }}',
  ],
  ['decryptAES', '{{ decryptAES "secretkey" "30tEfhuJSVRhpG97XCuWgz2okj7L8vQ1s6V9zVUPeDQ=" }}'],
  ['aes-roundtrip', '{{ encryptAES "secretkey" "plaintext" | decryptAES "secretkey" }}'],
  [
    'decryptAES-malformed',
    '[{{ decryptAES "k" "" }}]|{{ decryptAES "k" "30tEfh}}uJSVRhpG97XCuWgz2okj7s6V9zVUPeDQ=" }}',
  ],
  ['decryptAES-short', '{{ decryptAES "k" "abcd" }}'],
  [
    'decryptAES-partial-block',
    '{{ decryptAES "k" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }}',
  ],
  ['decryptAES-iv-only', '{{ decryptAES "k" "AAAAAAAAAAAAAAAAAAAAAA==" }}'],
  ['unsupported-bcrypt', '{{ bcrypt "x" | len }}'],
];

const shapes: [string, string, string][] = [
  ['now', '{{ now }}', '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC m=\\+\\d+\\.\\d{9}'],
  ['now-date', '{{ now | date "2006-01-02" }}', '\\d{4}-\\d\\d-\\d\\d'],
  ['now-unix', '{{ now | unixEpoch }}', '\\d{10}'],
  [
    'htmlDate-now',
    '{{ htmlDate now }}|{{ htmlDateInZone now "UTC" }}',
    '\\d{4}-\\d\\d-\\d\\d\\|\\d{4}-\\d\\d-\\d\\d',
  ],
  ['date-default-now', '{{ date "2006" "notatime" }}', '\\d{4}'],
  ['ago', '{{ ago .epoch | len | lt 5 }}|{{ ago now }}', 'true\\|0s'],
  ['durationRound-time', '{{ durationRound (toDate "2006" "2000") }}', '\\d+y'],
  [
    'rand-strings',
    '{{ randAlphaNum 10 }}|{{ randAlpha 5 }}|{{ randNumeric 4 }}|{{ randAscii 3 | len }}',
    '[A-Za-z0-9]{10}\\|[A-Za-z]{5}\\|[0-9]{4}\\|3',
  ],
  ['randInt', '{{ randInt 5 10 }}', '[5-9]'],
  ['shuffle', '{{ shuffle "aabbcc" | len }}', '6'],
  ['uuidv4', '{{ uuidv4 }}', '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'],
  ['randBytes', '{{ randBytes 12 }}', '[A-Za-z0-9+/]{16}'],
  ['encryptAES', '{{ encryptAES "k" "text" }}', '[A-Za-z0-9+/]{43}='],
  [
    'genPrivateKey-ecdsa',
    '{{ genPrivateKey "ecdsa" }}',
    '-----BEGIN EC PRIVATE KEY-----\\n[\\s\\S]+-----END EC PRIVATE KEY-----\\n',
  ],
  [
    'genPrivateKey-ed25519',
    '{{ genPrivateKey "ed25519" }}',
    '-----BEGIN PRIVATE KEY-----\\n[\\s\\S]+-----END PRIVATE KEY-----\\n',
  ],
  ['genPrivateKey-unknown', '{{ genPrivateKey "foo" }}', 'Unknown type foo'],
];

const data = {
  i: 3,
  f: { $float: 2.7 },
  l: ['a', 'b', 3],
  fl: [{ $float: 1 }],
  m: { b: 1, a: 'x' },
  nm: { $nilmap: true },
  epoch: 1700000000,
};

export const cases: CaseDef[] = [
  ...table.map(([id, template]): CaseDef => ({ id: `sprig-${id}`, template, data })),
  ...shapes.map(([id, template, shape]): CaseDef => ({ id: `sprig-shape-${id}`, template, data, shape })),
  {
    id: 'sprig-env-enabled',
    template: '{{ env "FOO" }}|{{ env "MISSING" }}|{{ expandenv "x=$FOO ${FOO}y $MISSING $" }}',
    env: { FOO: 'bar' },
  },
  {
    id: 'sprig-fromJson-int-data-float',
    template: '{{ (fromJson "{\\"a\\": 1000000}").a }}|{{ typeOf (fromJson "{\\"a\\": 1}").a }}',
  },
];
