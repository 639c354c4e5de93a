// @sveltos-ts/api: types, schemas and CRDs of every kind the event framework serves or reads. No I/O.

export * from './capi.ts';
export * from './common.ts';
export * from './config.ts';
export * from './constants.ts';
export * from './conversion.ts';
export * from './crd.ts';
export * from './json.ts';
export * from './kinds.ts';
export * from './lib.ts';
export * from './meta.ts';
export * from './names.ts';
export * from './schema.ts';
export * from './selector-string.ts';
export * from './structural.ts';
export * from './validate.ts';
