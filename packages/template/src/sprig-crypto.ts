// Sprig's crypto and random helpers. Certificate generation and bcrypt are not provided (they are
// listed in docs/template-deviations.md); calling them fails with a clear execution error.

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  randomInt,
  randomUUID,
  scryptSync,
} from 'node:crypto';
import { b64Alphabet, decodeBase } from './base-encoding.ts';
import { chargeSteps, checkSize } from './budget.ts';
import { fromBytes, toBytes } from './bytes.ts';
import { FuncError } from './errors.ts';
import { def, type FuncDef } from './functypes.ts';
import { goInt, type Value } from './value.ts';

const str = (v: Value | undefined): string => v as string;
const num = (v: Value | undefined): number => Number((v as { value: bigint }).value);

/** Master Password algorithm (derivePassword). */
const templates: Record<string, string[]> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv',
    'CvcvCvcvnoCvcv',
    'CvcvCvcvCvcvno',
    'CvccnoCvcvCvcv',
    'CvccCvcvnoCvcv',
    'CvccCvcvCvcvno',
    'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno',
    'CvcvnoCvcvCvcc',
    'CvcvCvcvnoCvcc',
    'CvcvCvcvCvccno',
    'CvccnoCvccCvcv',
    'CvccCvccnoCvcv',
    'CvccCvccCvcvno',
    'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc',
    'CvcvCvccCvccno',
    'CvccnoCvcvCvcc',
    'CvccCvcvnoCvcc',
    'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};

const characters: Record<string, string> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

function derivePassword(
  counter: number,
  passwordType: string,
  password: string,
  user: string,
  site: string,
): string {
  const tmpls = templates[passwordType];
  if (tmpls === undefined) return `cannot find password template ${passwordType}`;
  const ns = 'com.lyndir.masterpassword';
  const seed = Buffer.concat([Buffer.from(ns), u32(user.length), Buffer.from(user)]);
  chargeSteps(50_000, 'derivePassword');
  const key = scryptSync(Buffer.from(password), seed, 64, {
    N: 32768,
    r: 8,
    p: 2,
    maxmem: 128 * 32768 * 8 * 2,
  });
  const siteSeed = Buffer.concat([Buffer.from(ns), u32(site.length), Buffer.from(site), u32(counter)]);
  const hash = createHmac('sha256', key).update(siteSeed).digest();
  const tmpl = tmpls[hash[0]! % tmpls.length]!;
  let out = '';
  for (let i = 0; i < tmpl.length; i++) {
    const chars = characters[tmpl[i]!]!;
    out += chars[hash[i + 1]! % chars.length];
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  toBytes(password).copy(key);
  return key;
}

function encryptAES(password: string, plaintext: string): string {
  const content = toBytes(plaintext);
  const padding = 16 - (content.length % 16);
  const padded = Buffer.concat([content, Buffer.alloc(padding, padding)]);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', aesKey(password), iv).setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(padded), cipher.final()]).toString('base64');
}

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  const src = toBytes(crypt64);
  const decoded = decodeBase(src, b64Alphabet, 4);
  if ('error' in decoded) throw new FuncError(decoded.error);
  const data = decoded.bytes;
  // Sprig slices and decrypts without checks; Go's runtime panics become the call's error.
  if (data.length < 16)
    throw new FuncError(
      `runtime error: slice bounds out of range [:16] with capacity ${Math.floor(src.length / 4) * 3}`,
    );
  const iv = data.subarray(0, 16);
  const body = data.subarray(16);
  if (body.length % 16 !== 0) throw new FuncError('crypto/cipher: input not full blocks');
  if (body.length === 0) throw new FuncError('runtime error: index out of range [-1]');
  const decipher = createDecipheriv('aes-256-cbc', aesKey(password), iv).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(body), decipher.final()]);
  const end = plain.length - plain[plain.length - 1]!;
  if (end < 0) throw new FuncError(`runtime error: slice bounds out of range [:${end}]`);
  return fromBytes(plain.subarray(0, end));
}

function genPrivateKey(typ: string): string {
  // key generation is expensive (RSA 4096 takes a good fraction of a second): a template gets a few
  chargeSteps(typ === 'rsa' ? 400_000 : typ === 'dsa' ? 100_000 : 1000, 'genPrivateKey');
  switch (typ) {
    case '':
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 4096 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
    case 'ecdsa':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'sec1', format: 'pem' })
        .toString();
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  return 'Unknown type ' + typ;
}

const unsupported =
  (name: string): FuncDef['fn'] =>
  () => {
    throw new FuncError(`${name} is not supported by this template engine`);
  };

export function cryptoFuncs(): Map<string, FuncDef> {
  const m = new Map<string, FuncDef>([
    [
      'derivePassword',
      def(['uint32', 'string', 'string', 'string', 'string'], ([c, t, p, u, s]) =>
        derivePassword(num(c), str(t), str(p), str(u), str(s)),
      ),
    ],
    ['encryptAES', def(['string', 'string'], ([p, t]) => encryptAES(str(p), str(t)))],
    ['decryptAES', def(['string', 'string'], ([p, t]) => decryptAES(str(p), str(t)))],
    ['genPrivateKey', def(['string'], ([t]) => genPrivateKey(str(t)))],
    [
      'randBytes',
      def(['int'], ([n]) => {
        if (num(n) < 0) throw new FuncError('runtime error: makeslice: len out of range');
        checkSize(Math.ceil((num(n) * 4) / 3), 'randBytes');
        return randomBytes(num(n)).toString('base64');
      }),
    ],
    ['uuidv4', def([], () => randomUUID())],
    [
      'randInt',
      def(['int', 'int'], ([a, b]) => {
        const n = num(b) - num(a);
        if (n <= 0) throw new FuncError('invalid argument to Intn');
        return goInt('int', randomInt(n) + num(a));
      }),
    ],
    ['bcrypt', def(['string'], unsupported('bcrypt'))],
    ['htpasswd', def(['string', 'string'], unsupported('htpasswd'))],
    ['buildCustomCert', def(['string', 'string'], unsupported('buildCustomCert'))],
    ['genCA', def(['string', 'int'], unsupported('genCA'))],
    ['genCAWithKey', def(['string', 'int', 'string'], unsupported('genCAWithKey'))],
    ['genSelfSignedCert', def(['string', 'list', 'list', 'int'], unsupported('genSelfSignedCert'))],
    [
      'genSelfSignedCertWithKey',
      def(['string', 'list', 'list', 'int', 'string'], unsupported('genSelfSignedCertWithKey')),
    ],
    ['genSignedCert', def(['string', 'list', 'list', 'int', 'any'], unsupported('genSignedCert'))],
    [
      'genSignedCertWithKey',
      def(['string', 'list', 'list', 'int', 'any', 'string'], unsupported('genSignedCertWithKey')),
    ],
  ]);
  return m;
}
