// Writes a one-layer OCI image archive (the tar of an OCI image layout that `ctr images import` reads, as
// `buildah push oci-archive:` writes it) without any container tooling: used for the node's sandbox (pause)
// image, which must exist locally because no registry is reachable. Reproducible: fixed owners and times.
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

interface TarEntry {
  name: string;
  /** undefined for a directory */
  content?: Buffer;
  mode: number;
}

function tarHeader(entry: TarEntry): Buffer {
  const header = Buffer.alloc(512);
  const put = (value: string, offset: number, length: number): void => {
    header.write(value, offset, length, 'utf8');
  };
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  if (Buffer.byteLength(entry.name) > 99) throw new Error(`tar: name too long: ${entry.name}`);
  put(entry.name, 0, 100);
  put(octal(entry.mode, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(entry.content?.length ?? 0, 12), 124, 12);
  put(octal(0, 12), 136, 12); // mtime
  put(' '.repeat(8), 148, 8); // checksum placeholder
  put(entry.content ? '0' : '5', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/** A ustar archive of the entries, in the given order. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry));
    if (entry.content) {
      parts.push(entry.content);
      const pad = (512 - (entry.content.length % 512)) % 512;
      parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface ImageSpec {
  /** full name, e.g. `localhost/sveltos-ts/pause:3.10.1` */
  ref: string;
  /** files of the single layer: path inside the image (no leading slash) → content and mode */
  files: ReadonlyArray<{ path: string; content: Buffer; mode: number }>;
  config: {
    Entrypoint?: string[];
    Cmd?: string[];
    User?: string;
    Env?: string[];
    Labels?: Record<string, string>;
  };
  architecture?: string;
}

/** Writes `archive` (atomically) and returns the manifest digest. */
export function writeImageArchive(archive: string, spec: ImageSpec): string {
  const layer = tar(spec.files.map((file) => ({ name: file.path, content: file.content, mode: file.mode })));
  const layerDigest = sha256(layer);
  const architecture = spec.architecture ?? (process.arch === 'x64' ? 'amd64' : process.arch);
  const config = Buffer.from(
    JSON.stringify({
      created: '1970-01-01T00:00:00Z',
      architecture,
      os: 'linux',
      config: spec.config,
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
      ],
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': spec.ref },
          platform: { architecture, os: 'linux' },
        },
      ],
    }),
  );
  const blob = (data: Buffer): TarEntry => ({
    name: `blobs/sha256/${sha256(data).slice('sha256:'.length)}`,
    content: data,
    mode: 0o644,
  });
  const archiveBytes = tar([
    { name: 'blobs/', mode: 0o755 },
    { name: 'blobs/sha256/', mode: 0o755 },
    blob(config),
    blob(layer),
    blob(manifest),
    { name: 'index.json', content: index, mode: 0o644 },
    { name: 'oci-layout', content: Buffer.from('{"imageLayoutVersion":"1.0.0"}'), mode: 0o644 },
  ]);
  const partial = `${archive}.partial-${process.pid}`;
  writeFileSync(partial, archiveBytes);
  renameSync(partial, archive);
  return manifestDigest;
}
