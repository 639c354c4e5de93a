// Tokenizer for Go text/template source: text, actions with trim markers, comments, and the operand
// syntax inside actions (Go literals, fields, variables, keywords).

export type ItemType =
  | 'error'
  | 'eof'
  | 'text'
  | 'comment'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'leftParen'
  | 'rightParen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'char'
  | 'bool'
  | 'charConstant'
  | 'complex'
  | 'number'
  | 'string'
  | 'rawString'
  | 'dot'
  | 'field'
  | 'variable'
  | 'identifier'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  type: ItemType;
  pos: number;
  val: string;
  line: number;
}

const keywords: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['nil', 'nil'],
  ['range', 'range'],
  ['template', 'template'],
  ['with', 'with'],
]);

/** Keyword items print as <name> in parse errors. */
export function isKeyword(t: ItemType): boolean {
  return keywords.has(t) || t === 'dot';
}

const LEFT = '{{';
const RIGHT = '}}';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

const alnum = /^[_\p{L}\p{Nd}]$/u;

function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) {
    return (
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
    );
  }
  return alnum.test(c);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-';
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** %#U formatting of a code point, as Go's lexer reports bad characters. */
function describeRune(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

/** Lexes the whole input. The item list ends with an 'eof' or an 'error' item. */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let insideAction = false;

  const emit = (type: ItemType): void => {
    items.push({ type, pos: start, val: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    line += countNewlines(input, start, pos);
    start = pos;
    startLine = line;
  };
  const next = (): string | undefined => {
    if (pos >= input.length) {
      pos = input.length + 1;
      return undefined;
    }
    const c = String.fromCodePoint(input.codePointAt(pos)!);
    pos += c.length;
    if (c === '\n') line++;
    return c;
  };
  const backup = (c: string | undefined): void => {
    if (c === undefined) {
      pos = input.length;
      return;
    }
    pos -= c.length;
    if (c === '\n') line--;
  };
  const peek = (): string | undefined =>
    pos < input.length ? String.fromCodePoint(input.codePointAt(pos)!) : undefined;
  const fail = (message: string): false => {
    items.push({ type: 'error', pos: start, val: message, line: startLine });
    return false;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2))
      return { delim: true, trim: true };
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = peek();
    if (c === undefined || isSpace(c)) return true;
    if (c === '.' || c === ',' || c === '|' || c === ':' || c === ')' || c === '(') return true;
    return input.startsWith(RIGHT, pos);
  };
  const skipLeadingSpace = (): void => {
    while (isSpace(input[pos])) pos++;
  };
  const accept = (valid: string): boolean => {
    const c = next();
    if (c !== undefined && valid.includes(c)) return true;
    backup(c);
    return false;
  };
  const acceptRun = (valid: string): void => {
    let c = next();
    while (c !== undefined && valid.includes(c)) c = next();
    backup(c);
  };
  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };

  /** Lexes one token inside an action; returns false when lexing must stop. */
  const insideStep = (): boolean => {
    const rd = atRightDelim();
    if (rd.delim) {
      if (parenDepth > 0) return fail('unclosed left paren');
      if (rd.trim) {
        pos += 2;
        ignore();
      }
      pos += RIGHT.length;
      emit('rightDelim');
      if (rd.trim) {
        skipLeadingSpace();
        ignore();
      }
      insideAction = false;
      return true;
    }
    const c = next();
    if (c === undefined) return fail('unclosed action');
    if (isSpace(c)) {
      backup(c);
      let numSpaces = 0;
      while (isSpace(peek())) {
        next();
        numSpaces++;
      }
      if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
        backup(input[pos - 1]);
        if (numSpaces === 1) return true;
      }
      emit('space');
      return true;
    }
    switch (c) {
      case '=':
        emit('assign');
        return true;
      case ':':
        if (next() !== '=') return fail('expected :=');
        emit('declare');
        return true;
      case '|':
        emit('pipe');
        return true;
      case '"':
        for (;;) {
          const d = next();
          if (d === '\\') {
            const e = next();
            if (e !== undefined && e !== '\n') continue;
            return fail('unterminated quoted string');
          }
          if (d === undefined || d === '\n') return fail('unterminated quoted string');
          if (d === '"') break;
        }
        emit('string');
        return true;
      case '`':
        for (;;) {
          const d = next();
          if (d === undefined) return fail('unterminated raw quoted string');
          if (d === '`') break;
        }
        emit('rawString');
        return true;
      case '$':
        return fieldOrVariable('variable');
      case "'":
        for (;;) {
          const d = next();
          if (d === '\\') {
            const e = next();
            if (e !== undefined && e !== '\n') continue;
            return fail('unterminated character constant');
          }
          if (d === undefined || d === '\n') return fail('unterminated character constant');
          if (d === "'") break;
        }
        emit('charConstant');
        return true;
      case '.': {
        const d = input[pos];
        if (d !== undefined && (d < '0' || d > '9')) return fieldOrVariable('field');
        backup(c);
        return number();
      }
      case '(':
        emit('leftParen');
        parenDepth++;
        return true;
      case ')':
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
        return true;
    }
    if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      backup(c);
      return number();
    }
    if (isAlphaNumeric(c)) {
      backup(c);
      return identifier();
    }
    const cp = c.codePointAt(0)!;
    if (cp < 128 && cp >= 0x20 && cp < 0x7f) {
      emit('char');
      return true;
    }
    return fail(`unrecognized character in action: ${describeRune(c)}`);
  };

  const number = (): boolean => {
    if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
    const sign = peek();
    if (sign === '+' || sign === '-') {
      if (!scanNumber() || input[pos - 1] !== 'i')
        return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      emit('complex');
      return true;
    }
    emit('number');
    return true;
  };

  const fieldOrVariable = (type: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    let c: string | undefined;
    for (;;) {
      c = next();
      if (!isAlphaNumeric(c)) {
        backup(c);
        break;
      }
    }
    if (!atTerminator()) return fail(`bad character ${describeRune(c ?? '')}`);
    emit(type);
    return true;
  };

  const identifier = (): boolean => {
    let c: string | undefined;
    for (;;) {
      c = next();
      if (!isAlphaNumeric(c)) {
        backup(c);
        break;
      }
    }
    if (!atTerminator()) return fail(`bad character ${describeRune(c ?? '')}`);
    const word = input.slice(start, pos);
    const kw = keywords.get(word);
    if (kw !== undefined) emit(kw);
    else if (word === 'true' || word === 'false') emit('bool');
    else emit('identifier');
    return true;
  };

  /** Lexes text up to the next action; returns false at EOF or error. */
  const textStep = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) {
        line += countNewlines(input, start, pos);
        emit('text');
      }
      items.push({ type: 'eof', pos, val: '', line });
      return false;
    }
    if (x > pos) {
      pos = x;
      let trimmed = pos;
      if (hasLeftTrimMarker(input, x + LEFT.length)) {
        while (trimmed > start && isSpace(input[trimmed - 1])) trimmed--;
      }
      if (trimmed > start) {
        items.push({ type: 'text', pos: start, val: input.slice(start, trimmed), line: startLine });
      }
      line += countNewlines(input, start, pos);
      start = pos;
      startLine = line;
    }
    // Left delimiter, possibly with trim marker, possibly opening a comment.
    pos += LEFT.length;
    const trim = hasLeftTrimMarker(input, pos);
    const after = trim ? 2 : 0;
    if (input.startsWith('/*', pos + after)) {
      pos += after;
      ignore();
      return comment();
    }
    emit('leftDelim');
    pos += after;
    ignore();
    parenDepth = 0;
    insideAction = true;
    return true;
  };

  const comment = (): boolean => {
    pos += 2;
    const end = input.indexOf('*/', pos);
    if (end < 0) return fail('unclosed comment');
    pos = end + 2;
    const rd = atRightDelim();
    if (!rd.delim) return fail('comment ends before closing delimiter');
    if (rd.trim) pos += 2;
    pos += RIGHT.length;
    if (rd.trim) skipLeadingSpace();
    ignore();
    return true;
  };

  for (;;) {
    const ok = insideAction ? insideStep() : textStep();
    if (!ok) break;
  }
  return items;
}
