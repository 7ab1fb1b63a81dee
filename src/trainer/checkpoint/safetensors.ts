// The safetensors file format (huggingface/safetensors): 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian tensor bytes. Any safetensors reader (Python,
// Rust, JS) opens what this writes. Pure: no tfjs here.
import { endianness } from 'node:os';

export type ArrayDtype = 'float32' | 'int32';

export interface NamedArray {
  dtype: ArrayDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

export type ArrayMap = Map<string, NamedArray>;

const FILE_DTYPE: Record<ArrayDtype, string> = { float32: 'F32', int32: 'I32' };
const BYTES = 4;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

// Typed arrays use the machine's byte order; safetensors is little-endian.
// Every platform Node and tfjs ship for is little-endian; refuse the rest loudly.
function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: this machine is big-endian; checkpoints need little-endian byte order');
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function encodeSafetensors(tensors: ArrayMap, metadata: Record<string, string> = {}): Buffer {
  assertLittleEndian();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.data.length !== elementCount(t.shape)) {
      throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    }
    const end = offset + t.data.length * BYTES;
    header[name] = { dtype: FILE_DTYPE[t.dtype], shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
    at += data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: ArrayMap;
  metadata: Record<string, string>;
}

/** Reads F32 and I32 tensors; anything malformed is an error that names the problem. */
export function decodeSafetensors(file: Buffer, source = 'safetensors file'): DecodedSafetensors {
  assertLittleEndian();
  const bad = (what: string): Error => new Error(`${source}: not a valid safetensors file (${what})`);
  if (file.length < 8) throw bad('shorter than its 8-byte header length');
  const headerLength = Number(file.readBigUInt64LE(0));
  if (headerLength > file.length - 8) throw bad(`header length ${headerLength} exceeds the file size ${file.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw bad(`header is not JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = file.length - dataStart;
  const tensors: ArrayMap = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    if (value === null || typeof value !== 'object') throw bad(`tensor "${name}" is not described by an object`);
    const entry = value as Partial<HeaderEntry>;
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor "${name}" has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2) throw bad(`tensor "${name}" has no valid data_offsets`);
    const [begin, end] = offsets;
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && begin <= end && end <= dataLength)) {
      throw bad(`tensor "${name}" data_offsets [${begin}, ${end}] lie outside the ${dataLength} data bytes`);
    }
    const dtype = entry.dtype === 'F32' ? 'float32' : entry.dtype === 'I32' ? 'int32' : null;
    if (dtype === null) throw bad(`tensor "${name}" has dtype ${String(entry.dtype)}; only F32 and I32 are supported`);
    if (end - begin !== elementCount(shape) * BYTES) throw bad(`tensor "${name}" has ${end - begin} bytes for shape [${shape.join(', ')}]`);
    // Copy into a fresh, aligned buffer: the file's bytes need not be 4-byte aligned.
    const bytes = new Uint8Array(end - begin);
    bytes.set(file.subarray(dataStart + begin, dataStart + end));
    const data = dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata };
}
