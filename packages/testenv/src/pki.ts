import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TestEnvError } from './errors.ts';

const run = promisify(execFile);

/** Files of one test bed's private PKI: one CA for serving certs and one ServiceAccount signing key. */
export interface Pki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    throw new TestEnvError('TESTENV_PKI', `openssl ${args[0]} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Names every API server's certificate is valid for: loopback for processes on the host; for pods on a
 * testenv node (see node.ts), the address through which they reach the host (`podHostAddress`) and the
 * in-cluster `kubernetes` Service (its ClusterIP and DNS names), which the node forwards to its API server.
 */
export const podHostAddress = '10.244.0.1';
export const kubernetesServiceIp = '10.96.0.1';
const apiServerNames = [
  '127.0.0.1',
  'localhost',
  podHostAddress,
  kubernetesServiceIp,
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

/**
 * Node's crypto cannot issue X.509 certificates, so the CA and the serving certificate (valid for
 * 127.0.0.1 and localhost) come from the openssl CLI; the ServiceAccount key pair from Node itself.
 */
export async function createPki(dir: string): Promise<Pki> {
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    [
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=testenv-ca',
    ],
    dir,
  );
  await openssl(
    ['req', ...ecKey, '-keyout', 'serving.key', '-out', 'serving.csr', '-subj', '/CN=testenv'],
    dir,
  );
  writeFileSync(
    join(dir, 'serving.ext'),
    `subjectAltName=${apiServerNames.map((host) => (isIP(host) ? `IP:${host}` : `DNS:${host}`)).join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n`,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'serving.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'serving.crt',
      '-days',
      '3650',
      '-extfile',
      'serving.ext',
    ],
    dir,
  );
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey);
  return {
    caCert: join(dir, 'ca.crt'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

/** A serving certificate signed by a test bed's CA, in controller-runtime's file layout. */
export interface ServingCert {
  /** `<dir>/tls.crt` */
  certFile: string;
  /** `<dir>/tls.key` */
  keyFile: string;
  /** PEM of the signing CA: what a webhook configuration or CRD puts (base64) in `caBundle`. */
  caPem: string;
  /** Serial number in hex, upper case, as `tls.PeerCertificate.serialNumber` shows it. */
  serialNumber: string;
}

/**
 * Issues a serving certificate for `hosts` (IP addresses and DNS names; 127.0.0.1 and localhost by
 * default) signed by the CA in `ca`, and writes it to `dir` as `tls.crt` and `tls.key`. Each file is
 * replaced by a rename, as certificate rotators do, so calling it again on the same directory is a
 * rotation. A random serial keeps concurrent issuers from colliding (no `ca.srl` is written).
 */
export async function mintServingCert(
  ca: { certFile: string; keyFile: string },
  dir: string,
  options: { hosts?: readonly string[]; commonName?: string; days?: number } = {},
): Promise<ServingCert> {
  const hosts = options.hosts ?? ['127.0.0.1', 'localhost'];
  if (hosts.length === 0)
    throw new TestEnvError('TESTENV_PKI', 'a serving certificate needs at least one host');
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.mint-'));
  try {
    const names = hosts.map((host) => (isIP(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
    writeFileSync(
      join(work, 'serving.ext'),
      `subjectAltName=${names}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n`,
    );
    const subject = `/CN=${options.commonName ?? hosts[0]}`;
    await openssl(
      [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'tls.key',
        '-out',
        'tls.csr',
        '-subj',
        subject,
      ],
      work,
    );
    const serial = randomBytes(16);
    serial[0] = (serial[0] ?? 0) & 0x7f; // positive, as X.509 requires
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'tls.csr',
        '-CA',
        resolve(ca.certFile),
        '-CAkey',
        resolve(ca.keyFile),
        '-set_serial',
        `0x${serial.toString('hex')}`,
        '-out',
        'tls.crt',
        '-days',
        String(options.days ?? 365),
        '-extfile',
        'serving.ext',
      ],
      work,
    );
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    const certPem = readFileSync(join(work, 'tls.crt'), 'utf8');
    renameSync(join(work, 'tls.key'), keyFile);
    renameSync(join(work, 'tls.crt'), certFile);
    return {
      certFile,
      keyFile,
      caPem: readFileSync(ca.certFile, 'utf8'),
      serialNumber: new X509Certificate(certPem).serialNumber,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Issues a client certificate signed by the CA in `ca` into `dir` as `<name>.crt` and `<name>.key`: the
 * API servers map its common name to the user and its organizations to groups (e.g. `system:node:<node>` in
 * `system:nodes` for a kubelet).
 */
export async function mintClientCert(
  ca: { certFile: string; keyFile: string },
  dir: string,
  name: string,
  subject: { commonName: string; organizations?: readonly string[] },
): Promise<{ certFile: string; keyFile: string }> {
  mkdirSync(dir, { recursive: true });
  const organizations = (subject.organizations ?? []).map((o) => `/O=${o}`).join('');
  writeFileSync(
    join(dir, `${name}.ext`),
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\nbasicConstraints=CA:FALSE\n',
  );
  await openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `${organizations}/CN=${subject.commonName}`,
    ],
    dir,
  );
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      resolve(ca.certFile),
      '-CAkey',
      resolve(ca.keyFile),
      '-set_serial',
      `0x${serial.toString('hex')}`,
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
  rmSync(join(dir, `${name}.csr`), { force: true });
  rmSync(join(dir, `${name}.ext`), { force: true });
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}
