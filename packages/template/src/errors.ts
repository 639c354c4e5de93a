// Typed errors of the template engine. `message` is Go's error text (what upstream users see);
// `code` is stable for callers.

export type TemplateErrorCode =
  | 'TEMPLATE_PARSE'
  | 'TEMPLATE_EXEC'
  | 'TEMPLATE_OPTION'
  /** The execution went past its step, size or output budget (or a JavaScript limit inside a function). */
  | 'TEMPLATE_LIMIT';

export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  /** Name of the template the error belongs to. */
  readonly templateName: string;
  /** 1-based line, and for execution errors the 0-based byte column (as Go reports it). */
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    code: TemplateErrorCode,
    message: string,
    templateName: string,
    line?: number,
    column?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
    this.templateName = templateName;
    this.line = line;
    this.column = column;
  }
}

/** Raised by template functions; the executor wraps it as `error calling NAME: MESSAGE`. */
export class FuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}
