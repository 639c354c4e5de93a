export { DEFAULT_TEMPLATE_LIMITS, type TemplateLimits } from './budget.ts';
export {
  type AddonData,
  addonData,
  type EventManyData,
  type EventOneData,
  eventManyData,
  eventOneData,
  fromJS,
  type NumberMode,
  type ObjectReferenceFields,
  objectReference,
  parseJSON,
} from './data.ts';
export { FuncError, TemplateError, type TemplateErrorCode } from './errors.ts';
export type { MissingKey } from './exec.ts';
export type { CallContext, FuncDef, FuncMap, ParamType } from './functypes.ts';
export { type SveltosContext, type SveltosFuncOptions, sveltosFuncs } from './sveltos.ts';
export { type CompileOptions, compile, type ExecuteOptions, Template, TemplateCache } from './template.ts';
export {
  GoInt,
  GoMap,
  GoObject,
  GoStruct,
  GoTime,
  goInt,
  type IntKind,
  int,
  int64,
  type Value,
} from './value.ts';
