// Parser for Go text/template: builds the node tree from lexer items, tracking variable scope, range
// depth (break/continue), and {{define}}/{{block}} definitions.
import { TemplateError } from './errors.ts';
import { type Item, type ItemType, isKeyword, lex } from './lexer.ts';

export interface Tree {
  name: string;
  /** Name of the top-level template whose source holds this tree (used in error positions). */
  parseName: string;
  root: ListNode;
  text: string;
}

export type Node =
  | ListNode
  | TextNode
  | ActionNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export class ListNode {
  readonly type = 'list';
  readonly pos: number;
  readonly nodes: Node[] = [];
  constructor(pos: number) {
    this.pos = pos;
  }
  toString(): string {
    return this.nodes.map(String).join('');
  }
}

export class TextNode {
  readonly type = 'text';
  readonly pos: number;
  readonly text: string;
  constructor(pos: number, text: string) {
    this.pos = pos;
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export class PipeNode {
  readonly type = 'pipe';
  readonly pos: number;
  readonly line: number;
  isAssign = false;
  readonly decl: VariableNode[] = [];
  readonly cmds: CommandNode[] = [];
  constructor(pos: number, line: number) {
    this.pos = pos;
    this.line = line;
  }
  toString(): string {
    let s = '';
    if (this.decl.length > 0) s = this.decl.map(String).join(', ') + (this.isAssign ? ' = ' : ' := ');
    return s + this.cmds.map(String).join(' | ');
  }
}

export class ActionNode {
  readonly type = 'action';
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  constructor(pos: number, line: number, pipe: PipeNode) {
    this.pos = pos;
    this.line = line;
    this.pipe = pipe;
  }
  toString(): string {
    return `{{${this.pipe}}}`;
  }
}

export class CommandNode {
  readonly type = 'command';
  readonly pos: number;
  readonly args: ArgNode[] = [];
  constructor(pos: number) {
    this.pos = pos;
  }
  toString(): string {
    return this.args.map((a) => (a instanceof PipeNode ? `(${a})` : String(a))).join(' ');
  }
}

export class IdentifierNode {
  readonly type = 'identifier';
  readonly pos: number;
  readonly name: string;
  constructor(pos: number, name: string) {
    this.pos = pos;
    this.name = name;
  }
  toString(): string {
    return this.name;
  }
}

export class VariableNode {
  readonly type = 'variable';
  readonly pos: number;
  /** Variable name ($x) followed by field names. */
  readonly ident: string[];
  constructor(pos: number, ident: string[]) {
    this.pos = pos;
    this.ident = ident;
  }
  toString(): string {
    return this.ident.join('.');
  }
}

export class DotNode {
  readonly type = 'dot';
  readonly pos: number;
  constructor(pos: number) {
    this.pos = pos;
  }
  toString(): string {
    return '.';
  }
}

export class NilNode {
  readonly type = 'nil';
  readonly pos: number;
  constructor(pos: number) {
    this.pos = pos;
  }
  toString(): string {
    return 'nil';
  }
}

export class FieldNode {
  readonly type = 'field';
  readonly pos: number;
  readonly ident: string[];
  constructor(pos: number, ident: string[]) {
    this.pos = pos;
    this.ident = ident;
  }
  toString(): string {
    return this.ident.map((i) => '.' + i).join('');
  }
}

export class ChainNode {
  readonly type = 'chain';
  readonly pos: number;
  readonly node: ArgNode;
  readonly field: string[] = [];
  constructor(pos: number, node: ArgNode) {
    this.pos = pos;
    this.node = node;
  }
  toString(): string {
    const base = this.node instanceof PipeNode ? `(${this.node})` : String(this.node);
    return base + this.field.map((f) => '.' + f).join('');
  }
}

export class BoolNode {
  readonly type = 'bool';
  readonly pos: number;
  readonly value: boolean;
  constructor(pos: number, value: boolean) {
    this.pos = pos;
    this.value = value;
  }
  toString(): string {
    return this.value ? 'true' : 'false';
  }
}

export class NumberNode {
  readonly type = 'number';
  readonly pos: number;
  readonly text: string;
  isInt = false;
  isUint = false;
  isFloat = false;
  isComplex = false;
  int = 0n;
  uint = 0n;
  float = 0;
  constructor(pos: number, text: string) {
    this.pos = pos;
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export class StringNode {
  readonly type = 'string';
  readonly pos: number;
  readonly quoted: string;
  readonly text: string;
  constructor(pos: number, quoted: string, text: string) {
    this.pos = pos;
    this.quoted = quoted;
    this.text = text;
  }
  toString(): string {
    return this.quoted;
  }
}

abstract class BranchNode {
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
  constructor(pos: number, line: number, pipe: PipeNode, list: ListNode, elseList: ListNode | undefined) {
    this.pos = pos;
    this.line = line;
    this.pipe = pipe;
    this.list = list;
    this.elseList = elseList;
  }
  protected format(name: string): string {
    const elsePart = this.elseList ? `{{else}}${this.elseList}` : '';
    return `{{${name} ${this.pipe}}}${this.list}${elsePart}{{end}}`;
  }
}

export class IfNode extends BranchNode {
  readonly type = 'if';
  override toString(): string {
    return this.format('if');
  }
}

export class RangeNode extends BranchNode {
  readonly type = 'range';
  override toString(): string {
    return this.format('range');
  }
}

export class WithNode extends BranchNode {
  readonly type = 'with';
  override toString(): string {
    return this.format('with');
  }
}

export class TemplateNode {
  readonly type = 'template';
  readonly pos: number;
  readonly line: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
  constructor(pos: number, line: number, name: string, pipe: PipeNode | undefined) {
    this.pos = pos;
    this.line = line;
    this.name = name;
    this.pipe = pipe;
  }
  toString(): string {
    const quoted = JSON.stringify(this.name);
    return this.pipe ? `{{template ${quoted} ${this.pipe}}}` : `{{template ${quoted}}}`;
  }
}

export class BreakNode {
  readonly type = 'break';
  readonly pos: number;
  readonly line: number;
  constructor(pos: number, line: number) {
    this.pos = pos;
    this.line = line;
  }
  toString(): string {
    return '{{break}}';
  }
}

export class ContinueNode {
  readonly type = 'continue';
  readonly pos: number;
  readonly line: number;
  constructor(pos: number, line: number) {
    this.pos = pos;
    this.line = line;
  }
  toString(): string {
    return '{{continue}}';
  }
}

/** Markers returned by itemList for {{end}} and {{else}}. */
class EndMarker {
  readonly pos: number;
  constructor(pos: number) {
    this.pos = pos;
  }
  toString(): string {
    return '{{end}}';
  }
}
class ElseMarker {
  readonly pos: number;
  readonly line: number;
  constructor(pos: number, line: number) {
    this.pos = pos;
    this.line = line;
  }
  toString(): string {
    return '{{else}}';
  }
}

function itemString(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  if (item.type === 'error') return item.val;
  if (isKeyword(item.type)) return `<${item.val}>`;
  const runes = [...item.val];
  if (runes.length > 10) return goQuoteShort(runes.slice(0, 10).join('')) + '...';
  return goQuoteShort(item.val);
}

function goQuoteShort(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Decodes a Go interpreted string literal (with its quotes); undefined when it is not valid Go syntax. */
export function unquoteGo(q: string): string | undefined {
  const quote = q[0] ?? '';
  if (q.length < 2 || q[q.length - 1] !== quote) return undefined;
  const body = q.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replaceAll('\r', '');
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === quote && quote === '"') return undefined;
    if (c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const r = unescapeAt(body, i + 1, quote);
    if (r === undefined) return undefined;
    out += r.text;
    i = r.next;
  }
  return out;
}

/** Decodes one escape sequence starting after the backslash. */
function unescapeAt(s: string, i: number, quote: string): { text: string; next: number } | undefined {
  const c = s[i];
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
  };
  if (c === undefined) return undefined;
  const mapped = simple[c];
  if (mapped !== undefined) return { text: mapped, next: i + 1 };
  if (c === quote) return { text: c, next: i + 1 };
  const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const hex = s.slice(i + 1, i + 1 + hexLen);
    if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    const v = Number.parseInt(hex, 16);
    if (c === 'x') return { text: byteChar(v), next: i + 1 + hexLen };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
    return { text: String.fromCodePoint(v), next: i + 1 + hexLen };
  }
  if (c >= '0' && c <= '7') {
    const oct = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(oct)) return undefined;
    const v = Number.parseInt(oct, 8);
    if (v > 255) return undefined;
    return { text: byteChar(v), next: i + 3 };
  }
  return undefined;
}

/**
 * A \x or octal escape inserts one raw byte. ASCII bytes are plain characters; higher bytes cannot be
 * represented in a JS string, so they become lone surrogates U+DC80+b (a lossless marker that the
 * UTF-8 encoder turns back into the byte).
 */
function byteChar(b: number): string {
  return b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b);
}

/** Decodes a character constant ('a', '\n', '\u00e9') to its code point. */
function unquoteChar(text: string): number | 'malformed' | 'invalid' {
  const body = text.slice(1, -1);
  if (body.length === 0) return 'invalid';
  let cp: number;
  let used: number;
  if (body[0] === '\\') {
    const r = unescapeAt(body, 1, "'");
    if (r === undefined) return 'invalid';
    if (body[1] === 'x' || (body[1]! >= '0' && body[1]! <= '7')) {
      const c = r.text.charCodeAt(0);
      cp = c >= 0xdc00 ? c - 0xdc00 : c;
    } else cp = r.text.codePointAt(0)!;
    used = r.next;
  } else {
    if (body[0] === "'" || body[0] === '\n') return 'invalid';
    cp = body.codePointAt(0)!;
    used = cp > 0xffff ? 2 : 1;
  }
  return used === body.length ? cp : 'malformed';
}

const intPattern =
  /^[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)$/;

/** strconv.ParseInt(text, 0, 64)-like parse; undefined when not an integer literal. */
function parseGoInt(text: string): bigint | undefined {
  if (!intPattern.test(text)) return undefined;
  let s = text.replaceAll('_', '');
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let v: bigint;
  if (/^0[xXbBoO]/.test(s)) v = BigInt('0' + s[1]!.toLowerCase() + s.slice(2));
  else if (s.length > 1 && s[0] === '0') v = BigInt('0o' + s.slice(1));
  else v = BigInt(s);
  return neg ? -v : v;
}

const floatPattern =
  /^[+-]?(((\d(_?\d)*)?\.(\d(_?\d)*)?|\d(_?\d)*)([eE][+-]?\d(_?\d)*)?|0[xX](_?[0-9a-fA-F])*\.?([0-9a-fA-F](_?[0-9a-fA-F])*)?[pP][+-]?\d(_?\d)*)$/;

function parseGoFloat(text: string): number | undefined {
  if (!floatPattern.test(text) || text === '.' || /^[+-]?\.$/.test(text)) return undefined;
  if (/^[+-]?\.?[eE]/.test(text)) return undefined;
  const s = text.replaceAll('_', '');
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (hex) {
    const mant = BigInt('0x' + (hex[2]! + hex[3]! || '0'));
    const exp = Number(hex[4]) - 4 * hex[3]!.length;
    const v = Number(mant) * 2 ** exp;
    return hex[1] === '-' ? -v : v;
  }
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

export class Parser {
  private readonly items: Item[];
  private index = 0;
  private furthest = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  /** The most recently consumed token (for the error line). */
  private current: Item;
  private readonly name: string;
  private readonly text: string;
  private readonly hasFunction: (name: string) => boolean;
  readonly trees = new Map<string, Tree>();

  constructor(name: string, text: string, hasFunction: (name: string) => boolean) {
    this.name = name;
    this.text = text;
    this.hasFunction = hasFunction;
    this.items = lex(text);
    this.current = this.items[0]!;
  }

  private fail(message: string): never {
    throw new TemplateError(
      'TEMPLATE_PARSE',
      `template: ${this.name}:${this.current.line}: ${message}`,
      this.name,
      this.current.line,
    );
  }

  /** Go reports the line of the furthest token read so far (including look-ahead). */
  private next(): Item {
    const item = this.items[Math.min(this.index, this.items.length - 1)]!;
    this.index++;
    if (this.index > this.furthest) {
      this.furthest = this.index;
      this.current = item;
    }
    return item;
  }

  private backup(n = 1): void {
    this.index -= n;
  }

  private peek(): Item {
    return this.items[Math.min(this.index, this.items.length - 1)]!;
  }

  private nextNonSpace(): Item {
    let item = this.next();
    while (item.type === 'space') item = this.next();
    return item;
  }

  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }

  private unexpected(item: Item, context: string): never {
    if (item.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== item.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (item.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.fail(item.val + extra);
    }
    this.fail(`unexpected ${itemString(item)} in ${context}`);
  }

  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }

  private addTree(tree: Tree): void {
    const existing = this.trees.get(tree.name);
    if (existing === undefined || isEmptyList(existing.root)) {
      this.trees.set(tree.name, tree);
      return;
    }
    if (!isEmptyList(tree.root))
      this.fail(`template: multiple definition of template ${JSON.stringify(tree.name)}`);
  }

  /** Parses the whole source into this.trees (the top-level tree under this.name). */
  parse(): Map<string, Tree> {
    const root = new ListNode(this.peek().pos);
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const saved = this.index;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.index = saved;
      }
      const n = this.textOrAction();
      if (n instanceof EndMarker || n instanceof ElseMarker) this.fail(`unexpected ${n}`);
      root.nodes.push(n);
    }
    this.addTree({ name: this.name, parseName: this.name, root, text: this.text });
    return this.trees;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const nameItem = this.nextNonSpace();
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString') this.unexpected(nameItem, context);
    const name = this.unquote(nameItem.val);
    this.expect('rightDelim', context);
    const savedVars = this.vars;
    this.vars = ['$'];
    const { list, end } = this.itemList();
    this.vars = savedVars;
    if (!(end instanceof EndMarker)) this.fail(`unexpected ${end} in ${context}`);
    this.addTree({ name, parseName: this.name, root: list, text: this.text });
  }

  private unquote(quoted: string): string {
    const s = unquoteGo(quoted);
    if (s === undefined) this.fail('invalid syntax');
    return s;
  }

  private itemList(): { list: ListNode; end: EndMarker | ElseMarker } {
    const list = new ListNode(this.peekNonSpace().pos);
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n instanceof EndMarker || n instanceof ElseMarker) return { list, end: n };
      list.nodes.push(n);
    }
    this.fail('unexpected EOF');
  }

  private textOrAction(): Node | EndMarker | ElseMarker {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'text':
        return new TextNode(item.pos, item.val);
      case 'leftDelim': {
        this.actionLine = item.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(item, 'input');
    }
  }

  private action(): Node | EndMarker | ElseMarker {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue': {
        const close = this.nextNonSpace();
        if (close.type !== 'rightDelim') this.unexpected(close, `{{${item.type}}}`);
        if (this.rangeDepth === 0) this.fail(`{{${item.type}}} outside {{range}}`);
        return item.type === 'break'
          ? new BreakNode(item.pos, item.line)
          : new ContinueNode(item.pos, item.line);
      }
      case 'else': {
        const p = this.peekNonSpace();
        if (p.type === 'if' || p.type === 'with') return new ElseMarker(p.pos, p.line);
        const close = this.expect('rightDelim', 'else');
        return new ElseMarker(close.pos, close.line);
      }
      case 'end': {
        const close = this.expect('rightDelim', 'end');
        return new EndMarker(close.pos);
      }
      case 'if':
        return this.control('if');
      case 'range':
        return this.control('range');
      case 'with':
        return this.control('with');
      case 'template':
        return this.templateControl();
    }
    this.backup();
    const start = this.peek();
    return new ActionNode(start.pos, start.line, this.pipeline('command', 'rightDelim'));
  }

  private control(context: 'if' | 'range' | 'with'): IfNode | RangeNode | WithNode {
    const savedVars = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const { list, end } = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (end instanceof ElseMarker) {
        const p = this.peek();
        if ((context === 'if' && p.type === 'if') || (context === 'with' && p.type === 'with')) {
          this.next();
          elseList = new ListNode(end.pos);
          elseList.nodes.push(this.control(context));
        } else {
          const rest = this.itemList();
          if (!(rest.end instanceof EndMarker)) this.fail(`expected end; found ${rest.end}`);
          elseList = rest.list;
        }
      }
      const Ctor = context === 'if' ? IfNode : context === 'range' ? RangeNode : WithNode;
      return new Ctor(pipe.pos, pipe.line, pipe, list, elseList);
    } finally {
      this.vars.length = savedVars;
    }
  }

  private templateName(item: Item, context: string): string {
    if (item.type === 'string' || item.type === 'rawString') return this.unquote(item.val);
    this.unexpected(item, context);
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const item = this.nextNonSpace();
    const name = this.templateName(item, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return new TemplateNode(item.pos, item.line, name, pipe);
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const item = this.nextNonSpace();
    const name = this.templateName(item, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const savedVars = this.vars;
    const savedDepth = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const { list, end } = this.itemList();
    this.vars = savedVars;
    this.rangeDepth = savedDepth;
    if (!(end instanceof EndMarker)) this.fail(`unexpected ${end} in ${context}`);
    this.addTree({ name, parseName: this.name, root: list, text: this.text });
    return new TemplateNode(item.pos, item.line, name, pipe);
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe = new PipeNode(first.pos, first.line);
    // Declarations: $x := / $x = / $i, $e :=
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.nextNonSpace();
      const afterVar = this.peek();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(new VariableNode(v.pos, [v.val]));
        this.vars.push(v.val);
        break;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(new VariableNode(v.pos, [v.val]));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.type === 'variable' || p.type === 'rightDelim' || p.type === 'rightParen') continue;
          this.fail('range can only initialize variables');
        }
        this.fail(`too many declarations in ${context}`);
      }
      if (afterVar.type === 'space') this.backup(2);
      else this.backup();
      break;
    }
    for (;;) {
      const item = this.nextNonSpace();
      if (item.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (item.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(item, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const first = pipe.cmds[i]!.args[0]!;
      const t = first.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.fail(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private command(): CommandNode {
    const cmd = new CommandNode(this.peekNonSpace().pos);
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const item = this.next();
      if (item.type === 'space') continue;
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.backup();
      else if (item.type !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type !== 'field') return node;
    const chain = new ChainNode(this.peek().pos, node);
    while (this.peek().type === 'field') chain.field.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return new FieldNode(chain.pos, [...node.ident, ...chain.field]);
      case 'variable':
        return new VariableNode(chain.pos, [...node.ident, ...chain.field]);
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(`unexpected . after term ${JSON.stringify(String(node))}`);
    }
    return chain;
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'identifier':
        if (!this.hasFunction(item.val)) this.fail(`function ${JSON.stringify(item.val)} not defined`);
        return new IdentifierNode(item.pos, item.val);
      case 'dot':
        return new DotNode(item.pos);
      case 'nil':
        return new NilNode(item.pos);
      case 'variable':
        if (!this.vars.includes(item.val)) this.fail(`undefined variable ${JSON.stringify(item.val)}`);
        return new VariableNode(item.pos, [item.val]);
      case 'field':
        return new FieldNode(item.pos, [item.val.slice(1)]);
      case 'bool':
        return new BoolNode(item.pos, item.val === 'true');
      case 'charConstant':
      case 'complex':
      case 'number':
        return this.number(item);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return new StringNode(item.pos, item.val, this.unquote(item.val));
    }
    this.backup();
    return undefined;
  }

  private number(item: Item): NumberNode {
    const n = new NumberNode(item.pos, item.val);
    const text = item.val;
    if (item.type === 'charConstant') {
      const cp = unquoteChar(text);
      if (cp === 'invalid') this.fail('invalid syntax');
      if (cp === 'malformed') this.fail(`malformed character constant: ${text}`);
      n.int = BigInt(cp);
      n.uint = n.int;
      n.float = cp;
      n.isInt = n.isUint = n.isFloat = true;
      return n;
    }
    // Go makes an imaginary constant only when the text before the i parses as a float; otherwise the
    // number is illegal.
    const imag = text.slice(0, -1);
    const imagIsFloat =
      text.endsWith('i') &&
      parseGoFloat(imag) !== undefined &&
      (!/^[+-]?0[xXbBoO]/.test(imag) || /^[+-]?0[xX].*[pP]/.test(imag));
    if (item.type === 'complex' || imagIsFloat)
      this.fail(`complex numbers are not supported: ${JSON.stringify(text)}`);
    const asInt = parseGoInt(text);
    if (asInt !== undefined) {
      if (asInt >= 0n && asInt <= UINT64_MAX) {
        n.isUint = true;
        n.uint = asInt;
      }
      if (asInt >= INT64_MIN && asInt <= INT64_MAX) {
        n.isInt = true;
        n.int = asInt;
      }
      if (n.isInt || n.isUint) {
        n.isFloat = true;
        n.float = Number(asInt);
      }
    }
    if (!n.isInt && !n.isUint) {
      const f = parseGoFloat(text);
      if (f !== undefined && Number.isFinite(f)) {
        if (!/[.eEpP]/.test(text)) this.fail(`integer overflow: ${JSON.stringify(text)}`);
        n.isFloat = true;
        n.float = f;
        if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
          n.isInt = true;
          n.int = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
          n.isUint = true;
          n.uint = BigInt(f);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) this.fail(`illegal number syntax: ${JSON.stringify(text)}`);
    return n;
  }
}

function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n instanceof TextNode && n.text.trim() === '');
}
