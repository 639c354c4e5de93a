// The string form of a label selector (`env=fv`, `tier in (a,b)`, `!legacy`), which the v1alpha1 API used
// where v1beta1 has a metav1.LabelSelector: parsed with the grammar and checks of Kubernetes' label
// selectors, and written back in their canonical text.
//
//   selector    := "" | requirement ("," requirement)*
//   requirement := "!" key                      DoesNotExist
//                | key                          Exists
//                | key ("=" | "==") value       matchLabels[key] = value
//                | key "!=" value               NotIn [value]
//                | key ("in" | "notin") "(" value ("," value)* ")"
//
// Whitespace separates tokens and is otherwise ignored. Keys are qualified names, values label values (an
// empty value is allowed after `=`, `==`, `!=` and in a set).

import type { LabelSelector, LabelSelectorRequirement } from './meta.ts';
import { labelValueProblem, qualifiedNameProblem } from './validate.ts';

/** A selector string that does not parse: the message says where and why. */
export class SelectorParseError extends Error {
  readonly selector: string;
  constructor(selector: string, message: string) {
    super(`invalid label selector ${JSON.stringify(selector)}: ${message}`);
    this.name = 'SelectorParseError';
    this.selector = selector;
  }
}

type TokenKind =
  | 'identifier'
  | 'comma'
  | 'equals'
  | 'doubleEquals'
  | 'notEquals'
  | 'bang'
  | 'open'
  | 'close'
  | 'in'
  | 'notin'
  | 'gt'
  | 'lt'
  | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the token in the selector (for messages). */
  at: number;
}

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const at = i;
    if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ kind: two === '==' ? 'doubleEquals' : 'notEquals', text: two, at });
        i += 2;
        continue;
      }
      const kinds: Record<string, TokenKind> = {
        '!': 'bang',
        '=': 'equals',
        '(': 'open',
        ')': 'close',
        ',': 'comma',
        '<': 'lt',
        '>': 'gt',
      };
      out.push({ kind: kinds[c]!, text: c, at });
      i++;
      continue;
    }
    while (i < text.length && !isSpace(text[i]!) && !SPECIAL.has(text[i]!)) i++;
    const word = text.slice(at, i);
    out.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'identifier', text: word, at });
  }
  out.push({ kind: 'end', text: '', at: text.length });
  return out;
}

const describe = (t: Token): string =>
  t.kind === 'end' ? 'the end of the selector' : `${JSON.stringify(t.text)} at position ${t.at + 1}`;

class Parser {
  readonly #text: string;
  readonly #tokens: Token[];
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
    this.#tokens = tokenize(text);
  }

  #peek(): Token {
    return this.#tokens[this.#pos]!;
  }

  #next(): Token {
    const t = this.#tokens[this.#pos]!;
    if (t.kind !== 'end') this.#pos++;
    return t;
  }

  #fail(message: string): never {
    throw new SelectorParseError(this.#text, message);
  }

  parse(): LabelSelector {
    const matchLabels: Record<string, string> = {};
    const matchExpressions: LabelSelectorRequirement[] = [];
    if (this.#peek().kind === 'end') return {};
    for (;;) {
      this.#requirement(matchLabels, matchExpressions);
      const t = this.#next();
      if (t.kind === 'end') break;
      if (t.kind !== 'comma') this.#fail(`expected "," or the end after a requirement, found ${describe(t)}`);
      if (this.#peek().kind === 'end') this.#fail('a requirement must follow ","');
    }
    // canonical order, as Kubernetes sorts requirements by key
    matchExpressions.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const out: LabelSelector = {};
    if (Object.keys(matchLabels).length > 0) out.matchLabels = sortedRecord(matchLabels);
    if (matchExpressions.length > 0) out.matchExpressions = matchExpressions;
    return out;
  }

  #key(t: Token): string {
    if (t.kind !== 'identifier') this.#fail(`expected a label key, found ${describe(t)}`);
    const problem = qualifiedNameProblem(t.text);
    if (problem) this.#fail(`key ${JSON.stringify(t.text)}: ${problem}`);
    return t.text;
  }

  #value(key: string, t: Token): string {
    const problem = labelValueProblem(t.text);
    if (problem) this.#fail(`value ${JSON.stringify(t.text)} of key ${JSON.stringify(key)}: ${problem}`);
    return t.text;
  }

  #requirement(matchLabels: Record<string, string>, matchExpressions: LabelSelectorRequirement[]): void {
    const first = this.#next();
    if (first.kind === 'bang') {
      const key = this.#key(this.#next());
      matchExpressions.push({ key, operator: 'DoesNotExist' });
      return;
    }
    const key = this.#key(first);
    const op = this.#peek();
    switch (op.kind) {
      case 'comma':
      case 'end':
        matchExpressions.push({ key, operator: 'Exists' });
        return;
      case 'equals':
      case 'doubleEquals':
      case 'notEquals': {
        this.#next();
        // an empty value is a value: `env=` selects env with the empty value
        const v = this.#peek();
        let value = '';
        if (v.kind === 'identifier') value = this.#value(key, this.#next());
        else if (v.kind !== 'comma' && v.kind !== 'end')
          this.#fail(`expected a value after ${JSON.stringify(op.text)}, found ${describe(v)}`);
        if (op.kind === 'notEquals') {
          matchExpressions.push({ key, operator: 'NotIn', values: [value] });
          return;
        }
        if (Object.hasOwn(matchLabels, key) && matchLabels[key] !== value)
          this.#fail(`key ${JSON.stringify(key)} is required to equal two different values`);
        matchLabels[key] = value;
        return;
      }
      case 'in':
      case 'notin': {
        this.#next();
        const values = this.#set(key);
        matchExpressions.push({ key, operator: op.kind === 'in' ? 'In' : 'NotIn', values });
        return;
      }
      case 'gt':
      case 'lt':
        this.#fail(
          `operator ${JSON.stringify(op.text)} (key ${JSON.stringify(key)}) is not supported in label selectors`,
        );
        break;
      default:
        this.#fail(
          `expected an operator (=, ==, !=, in, notin) after key ${JSON.stringify(key)}, found ${describe(op)}`,
        );
    }
  }

  #set(key: string): string[] {
    const open = this.#next();
    if (open.kind !== 'open') this.#fail(`expected "(" after in/notin, found ${describe(open)}`);
    const values = new Set<string>();
    if (this.#peek().kind === 'close') this.#fail(`the set of values of key ${JSON.stringify(key)} is empty`);
    for (;;) {
      const t = this.#peek();
      if (t.kind === 'identifier') values.add(this.#value(key, this.#next()));
      else if (t.kind === 'comma' || t.kind === 'close') values.add('');
      else
        this.#fail(`expected a value or ")" in the set of key ${JSON.stringify(key)}, found ${describe(t)}`);
      const sep = this.#next();
      if (sep.kind === 'close') break;
      if (sep.kind !== 'comma')
        this.#fail(`expected "," or ")" in the set of key ${JSON.stringify(key)}, found ${describe(sep)}`);
    }
    return [...values].sort();
  }
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/**
 * Parses the string form of a label selector into a metav1.LabelSelector: `=`/`==` go to `matchLabels`,
 * `!=` becomes `NotIn` with the one value, the rest `matchExpressions` (sorted by key, values sorted and
 * deduplicated). The empty string is the empty selector. Throws {@link SelectorParseError}.
 */
export function parseLabelSelector(text: string): LabelSelector {
  return new Parser(text).parse();
}

/**
 * The canonical string form of a LabelSelector: every requirement (matchLabels as `key=value`) sorted by
 * key, `!key`, `key`, `key in (a,b)`, `key notin (a,b)` with sorted values, joined by ",". The empty selector
 * gives "". Never throws: a selector whose keys or values are not valid label syntax is written as is (it
 * then does not parse back; conversions keep the original aside for that case).
 */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  const parts: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) parts.push([k, `${k}=${v}`]);
  for (const e of selector?.matchExpressions ?? []) {
    const values = [...new Set(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${values})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${values})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    parts.push([e.key, text]);
  }
  // stable: requirements of one key keep their order (matchLabels first)
  return parts
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p[0] < b.p[0] ? -1 : a.p[0] > b.p[0] ? 1 : a.i - b.i))
    .map(({ p }) => p[1])
    .join(',');
}
