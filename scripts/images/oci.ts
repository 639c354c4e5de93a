// Reads an OCI image archive (a tar of an OCI image layout, as `buildah push oci-archive:` writes it): the
// image's name, manifest, config and layers with their compressed and unpacked sizes. Used by
// scripts/build-images.sh for its size table and by e2e/images.test.ts to check the image config.
//
//   node scripts/images/oci.ts <archive>          JSON summary
//   node scripts/images/oci.ts --sizes <archive>  "<archive bytes> <unpacked bytes>"
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface OciImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  StopSignal?: string;
}

export interface OciLayer {
  digest: string;
  /** bytes in the archive (compressed) */
  size: number;
  /** bytes of the uncompressed layer tar (0 unless read with `sizes`) */
  unpacked: number;
}

export interface OciArchive {
  /** org.opencontainers.image.ref.name of the index entry: the name the image is imported as */
  ref: string | undefined;
  manifestDigest: string;
  architecture: string;
  os: string;
  config: OciImageConfig;
  layers: OciLayer[];
  /** bytes of the archive file */
  archiveBytes: number;
  /** bytes of all uncompressed layers (0 unless read with `sizes`) */
  unpackedBytes: number;
}

/** The regular files of a (ustar/pax) tar, by name. */
function untar(buffer: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + 512 <= buffer.length) {
    const header = buffer.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = buffer.subarray(offset + 512, offset + 512 + size);
    paxPath = undefined;
    if (type === 'x') {
      const match = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      paxPath = match?.[1];
    } else if (type === '0') {
      files.set(name.replace(/^\.\//, ''), body);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Reads the archive, checking the digests of index, manifest and config; `sizes` also checks every
 * layer's digest and unpacks it to count its bytes (a second or so per 100 MB). */
export function readOciArchive(path: string, options: { sizes?: boolean } = {}): OciArchive {
  const files = untar(readFileSync(path));
  const blob = (digest: string, verify = true): Buffer => {
    const data = files.get(`blobs/${digest.replace(':', '/')}`);
    if (data === undefined) throw new Error(`${path}: blob ${digest} missing`);
    if (!verify) return data;
    const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (actual !== digest) throw new Error(`${path}: blob ${digest} has digest ${actual}`);
    return data;
  };
  const indexFile = files.get('index.json');
  if (indexFile === undefined) throw new Error(`${path}: no index.json (not an OCI archive)`);
  const index = JSON.parse(indexFile.toString('utf8')) as { manifests: Descriptor[] };
  const entry = index.manifests[0];
  if (entry === undefined || index.manifests.length !== 1) {
    throw new Error(`${path}: expected one manifest, found ${index.manifests.length}`);
  }
  const manifest = JSON.parse(blob(entry.digest).toString('utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  const config = JSON.parse(blob(manifest.config.digest).toString('utf8')) as {
    architecture: string;
    os: string;
    config: OciImageConfig;
  };
  const layers = manifest.layers.map((layer) => {
    const data = blob(layer.digest, options.sizes === true);
    let unpacked = 0;
    if (options.sizes) unpacked = layer.mediaType.endsWith('+gzip') ? gunzipSync(data).length : data.length;
    return { digest: layer.digest, size: layer.size, unpacked };
  });
  return {
    ref: entry.annotations?.['org.opencontainers.image.ref.name'],
    manifestDigest: entry.digest,
    architecture: config.architecture,
    os: config.os,
    config: config.config,
    layers,
    archiveBytes: statSync(path).size,
    unpackedBytes: layers.reduce((sum, layer) => sum + layer.unpacked, 0),
  };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const sizesOnly = args[0] === '--sizes';
  const path = sizesOnly ? args[1] : args[0];
  if (path === undefined) {
    console.error('usage: node scripts/images/oci.ts [--sizes] <archive>');
    process.exit(2);
  }
  const archive = readOciArchive(path, { sizes: true });
  console.log(
    sizesOnly ? `${archive.archiveBytes} ${archive.unpackedBytes}` : JSON.stringify(archive, null, 2),
  );
}
