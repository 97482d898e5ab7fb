import { promises as fs } from 'node:fs';

/**
 * Reads only the header of a `.safetensors` file: 8-byte little-endian length, then that many bytes of JSON.
 * The tensors are never read, so a 150 MB LoRA costs one small read.
 */

/**
 * Headers beyond 8 MiB are refused before anything is allocated. Real ones are far smaller: a LoRA's header is
 * tens of KB, a few hundred KB with ss_tag_frequency of a large dataset, a full SDXL checkpoint's about 0.5 MB.
 * The safetensors library itself allows 100 MB because it serves any model (LLMs with huge tensor lists), but
 * parsing a header that size takes tens of seconds and over a GB of memory (66 MB: 19 s, 1.2 GB), which a
 * tree view must never do for a damaged or hostile file; 8 MiB parses in about a second in the worst case.
 */
export const MAX_HEADER_BYTES = 8 * 1024 * 1024;

export interface TensorInfo {
	name: string;
	dtype: string;
	shape: number[];
	dataOffsets: [number, number];
}

export interface SafetensorsHeader {
	/** `__metadata__`: string to string, as sd-scripts writes it. */
	metadata: Record<string, string>;
	tensors: TensorInfo[];
	headerBytes: number;
	fileBytes: number;
}

export class SafetensorsError extends Error {
	constructor(public readonly file: string, message: string) {
		super(`${file}: ${message}`);
	}
}

export async function readSafetensorsHeader(file: string, maxHeaderBytes = MAX_HEADER_BYTES): Promise<SafetensorsHeader> {
	const handle = await fs.open(file, 'r');
	try {
		const { size } = await handle.stat();
		if (size < 8) {
			throw new SafetensorsError(file, `not a safetensors file: only ${size} bytes (a header length needs 8). The file may be truncated; save it again.`);
		}
		const lengthBytes = Buffer.alloc(8);
		await handle.read(lengthBytes, 0, 8, 0);
		const length = lengthBytes.readBigUInt64LE(0);
		if (length > BigInt(maxHeaderBytes)) {
			throw new SafetensorsError(file, `header length ${length} bytes is larger than the ${maxHeaderBytes}-byte limit (real LoRA and checkpoint headers are well under 1 MB); this is not a safetensors file or it is damaged, so it was not read.`);
		}
		const headerBytes = Number(length);
		if (8 + headerBytes > size) {
			throw new SafetensorsError(file, `header length ${headerBytes} bytes runs past the end of the ${size}-byte file: the file is truncated or not a safetensors file.`);
		}
		const json = Buffer.alloc(headerBytes);
		await handle.read(json, 0, headerBytes, 8);
		return parseHeader(file, json, headerBytes, size);
	} finally {
		await handle.close();
	}
}

function parseHeader(file: string, json: Buffer, headerBytes: number, fileBytes: number): SafetensorsHeader {
	let parsed: unknown;
	try {
		parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
	} catch {
		throw new SafetensorsError(file, 'the header is not valid UTF-8 JSON: not a safetensors file, or it is damaged.');
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new SafetensorsError(file, 'the header is not a JSON object: not a safetensors file.');
	}
	const metadata: Record<string, string> = {};
	const tensors: TensorInfo[] = [];
	const dataBytes = fileBytes - 8 - headerBytes;
	for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
		if (name === '__metadata__') {
			if (typeof value === 'object' && value !== null) {
				for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
					metadata[key] = typeof v === 'string' ? v : JSON.stringify(v);
				}
			}
			continue;
		}
		const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
		if (typeof info?.dtype !== 'string' || !Array.isArray(info.shape) || !Array.isArray(info.data_offsets) || info.data_offsets.length !== 2) {
			throw new SafetensorsError(file, `tensor "${name}" has no valid dtype/shape/data_offsets in the header.`);
		}
		const [begin, end] = info.data_offsets as [number, number];
		if (end > dataBytes) {
			throw new SafetensorsError(file, `tensor "${name}" ends at byte ${end} of the data section, which has only ${dataBytes} bytes: the file is truncated.`);
		}
		tensors.push({ name, dtype: info.dtype, shape: info.shape as number[], dataOffsets: [begin, end] });
	}
	return { metadata, tensors, headerBytes, fileBytes };
}

/** Writes a safetensors file (used by tests and the stand-in trainer to produce real headers). */
export function encodeSafetensors(tensors: Record<string, { dtype: 'F32' | 'F16'; shape: number[]; data: Uint8Array }>, metadata: Record<string, string>): Buffer {
	const header: Record<string, unknown> = { __metadata__: metadata };
	const chunks: Uint8Array[] = [];
	let offset = 0;
	for (const [name, tensor] of Object.entries(tensors)) {
		header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
		chunks.push(tensor.data);
		offset += tensor.data.length;
	}
	let json = Buffer.from(JSON.stringify(header), 'utf8');
	// The format pads the header with spaces to a multiple of 8 so tensor data stays aligned.
	const padding = (8 - (json.length % 8)) % 8;
	json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
	const length = Buffer.alloc(8);
	length.writeBigUInt64LE(BigInt(json.length));
	return Buffer.concat([length, json, ...chunks]);
}
