import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

/** How writeOciImage names and labels the image; every field has a default. */
export interface OciImageOptions {
  /** The tag in the layout's index.json (`org.opencontainers.image.ref.name`); default `latest`. */
  tag?: string;
  /** Default `amd64`. */
  architecture?: string;
  /** Default `linux`. */
  os?: string;
}

/** An image written into an OCI image layout folder. */
export interface OciImage {
  /** The image as skopeo reads it: `oci:<dir>:<tag>`. */
  ref: string;
  /** The manifest's digest, `sha256:<hex>`: what a registry answers in `Docker-Content-Digest`. */
  digest: string;
}

const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
const REF_NAME = 'org.opencontainers.image.ref.name';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/**
 * Writes a one-layer image holding `files` (path in the image → text) into an OCI image layout
 * at `dir` (https://github.com/opencontainers/image-spec/blob/main/image-layout.md), as a
 * product's build leaves it for `skopeo copy oci:<dir>:<tag> docker://…`. Deterministic: sorted
 * entries, mtime 0, owner 0, no creation date, so the same files give the same digest. A tag
 * already in the layout is replaced; other tags stay.
 */
export async function writeOciImage(
  dir: string,
  files: Record<string, string>,
  opts: OciImageOptions = {},
): Promise<OciImage> {
  const tag = opts.tag ?? 'latest';
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const tar = writeTar(files);
  const layer = await writeBlob(dir, MEDIA_TYPES.layer, gzipSync(tar, { level: 9 }));
  const config = await writeBlob(dir, MEDIA_TYPES.config, json(imageConfig(tar, opts)));
  const manifest = await writeBlob(
    dir,
    MEDIA_TYPES.manifest,
    json({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config, layers: [layer] }),
  );
  await writeFile(join(dir, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  await writeIndex(dir, { ...manifest, annotations: { [REF_NAME]: tag } });
  return { ref: `oci:${dir}:${tag}`, digest: manifest.digest };
}

function imageConfig(tar: Buffer, opts: OciImageOptions): unknown {
  return {
    architecture: opts.architecture ?? 'amd64',
    os: opts.os ?? 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created_by: 'writeOciImage (codemonkeys tests)' }],
  };
}

async function writeBlob(dir: string, mediaType: string, content: Buffer): Promise<Descriptor> {
  const digest = sha256(content);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), content);
  return { mediaType, digest, size: content.length };
}

/** index.json with this manifest under its tag, keeping the layout's other tags. */
async function writeIndex(dir: string, manifest: Descriptor): Promise<void> {
  const path = join(dir, 'index.json');
  let manifests: Descriptor[] = [];
  try {
    manifests = (JSON.parse(await readFile(path, 'utf8')) as { manifests: Descriptor[] }).manifests;
  } catch {
    // No layout here yet.
  }
  const others = manifests.filter((entry) => refName(entry) !== refName(manifest));
  const all = [...others, manifest].sort((a, b) => byString(refName(a), refName(b)));
  await writeFile(path, json({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: all }));
}

/** A ustar archive of the files and their parent folders, sorted, owned by 0:0, dated 1970. */
export function writeTar(files: Record<string, string>): Buffer {
  const entries = new Map<string, Buffer | undefined>();
  for (const [path, content] of Object.entries(files)) {
    const name = checkPath(path);
    for (let parent = posix.dirname(name); parent !== '.'; parent = posix.dirname(parent)) {
      entries.set(`${parent}/`, undefined);
    }
    entries.set(name, Buffer.from(content, 'utf8'));
  }
  const blocks: Buffer[] = [];
  for (const name of [...entries.keys()].sort(byString)) {
    const content = entries.get(name);
    blocks.push(tarHeader(name, content?.length ?? 0, content === undefined));
    if (content === undefined) continue;
    blocks.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function checkPath(path: string): string {
  const name = posix.normalize(path);
  if (name.startsWith('/') || name.startsWith('..') || name === '.' || Buffer.byteLength(name) > 99) {
    throw new Error(
      `writeOciImage: file path must be relative, inside the image and under 100 bytes, got ${path}`,
    );
  }
  return name;
}

/** One 512-byte ustar header (POSIX.1-1988): numbers in octal, checksum over the header with its own field as spaces. */
function tarHeader(name: string, size: number, directory: boolean): Buffer {
  const header = Buffer.alloc(512);
  const put = (offset: number, length: number, text: string) => header.write(text, offset, length, 'utf8');
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  put(0, 100, name);
  octal(100, 8, directory ? 0o755 : 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 0);
  put(148, 8, '        ');
  put(156, 1, directory ? '5' : '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

function refName(descriptor: Descriptor): string {
  return descriptor.annotations?.[REF_NAME] ?? '';
}

/** By UTF-16 code units, the same on every machine (localeCompare is not). */
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sha256(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
