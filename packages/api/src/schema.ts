// A small typed builder for Kubernetes structural OpenAPI v3 schemas.
//
// Every builder returns a `Schema<T>`: `props` is the plain apiextensions.k8s.io/v1 JSONSchemaProps that goes
// into a CRD, and `T` is the static TypeScript type of the values it accepts (read it with `Static<typeof s>`).
// One definition therefore yields both the CRD schema and the TypeScript type. Nothing here emits `$ref`,
// `additionalProperties: false`, `patternProperties` or other constructs a structural schema forbids.

export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/** One `x-kubernetes-validations` entry (a CEL rule evaluated by the API server). */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps this project uses. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  enum?: JSONValue[];
  default?: JSONValue;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  anyOf?: JSONSchemaProps[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

/** A schema node: its OpenAPI props, whether it is optional inside its parent object, and its static type. */
export interface Schema<T, O extends boolean = boolean> {
  readonly props: JSONSchemaProps;
  readonly optional: O;
  /** Phantom field carrying the static type; never set at run time. */
  readonly __static?: T;
}

/** The TypeScript type of the values a schema accepts. */
export type Static<S> = S extends Schema<infer T> ? T : never;

export type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Schema<unknown, true> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
export type ObjectStatic<S extends Shape> = Flatten<
  { -readonly [K in RequiredKeys<S>]: Static<S[K]> } & { -readonly [K in OptionalKeys<S>]?: Static<S[K]> }
>;

/** Options every builder accepts. */
export interface Common<T> {
  description?: string;
  default?: T;
  /** CEL rules (x-kubernetes-validations) attached to this node. */
  rules?: ValidationRule[];
  nullable?: boolean;
}

function node<T>(props: JSONSchemaProps, common: Common<T> | undefined): Schema<T, false> {
  const out: JSONSchemaProps = {};
  if (common?.description !== undefined) out.description = common.description;
  Object.assign(out, props);
  if (common?.default !== undefined) out.default = common.default as JSONValue;
  if (common?.nullable) out.nullable = true;
  if (common?.rules && common.rules.length > 0) out['x-kubernetes-validations'] = [...common.rules];
  return { props: out, optional: false };
}

export interface StringOptions<T extends string = string> extends Common<T> {
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

/** A string. */
export function str(opts?: StringOptions): Schema<string, false> {
  const p: JSONSchemaProps = { type: 'string' };
  if (opts?.format !== undefined) p.format = opts.format;
  if (opts?.minLength !== undefined) p.minLength = opts.minLength;
  if (opts?.maxLength !== undefined) p.maxLength = opts.maxLength;
  if (opts?.pattern !== undefined) p.pattern = opts.pattern;
  return node(p, opts);
}

/** A string restricted to the given values. */
export function strEnum<const V extends string>(values: readonly V[], opts?: Common<V>): Schema<V, false> {
  return node({ type: 'string', enum: [...values] }, opts);
}

/** A byte array: a base64 string on the wire (format: byte). */
export function bytes(opts?: Common<string>): Schema<string, false> {
  return node({ type: 'string', format: 'byte' }, opts);
}

/** An RFC 3339 timestamp (metav1.Time). */
export function dateTime(opts?: Common<string>): Schema<string, false> {
  return node({ type: 'string', format: 'date-time' }, opts);
}

export function bool(opts?: Common<boolean>): Schema<boolean, false> {
  return node({ type: 'boolean' }, opts);
}

export interface IntegerOptions extends Common<number> {
  format?: 'int32' | 'int64';
  minimum?: number;
  maximum?: number;
}

export function int(opts?: IntegerOptions): Schema<number, false> {
  const p: JSONSchemaProps = { type: 'integer' };
  if (opts?.format !== undefined) p.format = opts.format;
  if (opts?.minimum !== undefined) p.minimum = opts.minimum;
  if (opts?.maximum !== undefined) p.maximum = opts.maximum;
  return node(p, opts);
}

/** intstr.IntOrString: an integer or a string; `pattern` applies to the string form only. */
export function intOrString(
  opts?: Common<number | string> & { pattern?: string },
): Schema<number | string, false> {
  const p: JSONSchemaProps = {
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  };
  if (opts?.pattern !== undefined) p.pattern = opts.pattern;
  return node(p, opts);
}

export interface ArrayOptions<T> extends Common<T[]> {
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  minItems?: number;
  maxItems?: number;
}

export function arr<T>(items: Schema<T>, opts?: ArrayOptions<T>): Schema<T[], false> {
  const p: JSONSchemaProps = { type: 'array', items: items.props };
  if (opts?.minItems !== undefined) p.minItems = opts.minItems;
  if (opts?.maxItems !== undefined) p.maxItems = opts.maxItems;
  if (opts?.listType !== undefined) p['x-kubernetes-list-type'] = opts.listType;
  if (opts?.listMapKeys !== undefined) p['x-kubernetes-list-map-keys'] = [...opts.listMapKeys];
  return node(p, opts);
}

/** A map with string keys whose values all follow `values` (additionalProperties). */
export function mapOf<T>(
  values: Schema<T>,
  opts?: Common<Record<string, T>>,
): Schema<Record<string, T>, false> {
  return node({ type: 'object', additionalProperties: values.props }, opts);
}

/** map[string]string, e.g. labels. */
export function strMap(opts?: Common<Record<string, string>>): Schema<Record<string, string>, false> {
  return mapOf(str(), opts);
}

export interface ObjectOptions<T> extends Common<T> {
  mapType?: 'atomic' | 'granular';
}

/** An object with known properties; a property is required unless wrapped in `opt()`. Unknown fields are
 * pruned by the API server (and reported by `validate`). */
export function obj<S extends Shape>(
  shape: S,
  opts?: ObjectOptions<ObjectStatic<S>>,
): Schema<ObjectStatic<S>, false> {
  const properties: Record<string, JSONSchemaProps> = {};
  const required: string[] = [];
  for (const [name, s] of Object.entries(shape)) {
    properties[name] = s.props;
    if (!s.optional) required.push(name);
  }
  const p: JSONSchemaProps = { type: 'object', properties };
  if (required.length > 0) p.required = required;
  if (opts?.mapType !== undefined) p['x-kubernetes-map-type'] = opts.mapType;
  return node(p, opts);
}

/** An object with a typed core whose unknown fields are kept (x-kubernetes-preserve-unknown-fields). Used for
 * big structures we only pass through. */
export function looseObj<S extends Shape>(
  shape: S,
  opts?: ObjectOptions<ObjectStatic<S>>,
): Schema<ObjectStatic<S> & { [key: string]: unknown }, false> {
  const s = obj(shape, opts);
  return { props: { ...s.props, 'x-kubernetes-preserve-unknown-fields': true }, optional: false };
}

/** Any JSON object, kept as is. */
export function freeform(opts?: Common<Record<string, unknown>>): Schema<Record<string, unknown>, false> {
  return node<Record<string, unknown>>(
    { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    opts,
  );
}

/** Marks a property as optional in its parent object (left out of `required`). */
export function opt<T>(s: Schema<T>): Schema<T, true> {
  return { props: s.props, optional: true };
}

/** Returns a copy of `s` with extra or replaced props (description, default, rules...). */
export function withProps<T, O extends boolean>(s: Schema<T, O>, extra: Common<T>): Schema<T, O> {
  const props: JSONSchemaProps = { ...s.props };
  if (extra.description !== undefined) props.description = extra.description;
  if (extra.default !== undefined) props.default = extra.default as JSONValue;
  if (extra.nullable) props.nullable = true;
  if (extra.rules && extra.rules.length > 0) {
    props['x-kubernetes-validations'] = [...(props['x-kubernetes-validations'] ?? []), ...extra.rules];
  }
  return { props, optional: s.optional };
}

/** Shorthand for `withProps(s, { description })`. */
export function doc<T, O extends boolean>(s: Schema<T, O>, description: string): Schema<T, O> {
  return withProps(s, { description });
}
