/** Just enough of the protobuf wire format to read TensorBoard events by hand (no generated code, no dependency). */

export class ProtobufError extends Error {}

export const enum WireType {
	Varint = 0,
	Fixed64 = 1,
	Bytes = 2,
	Fixed32 = 5,
}

export interface Field {
	number: number;
	wireType: WireType;
	/** Varint fields: the value (exact up to 2^53). */
	varint?: number;
	/** Fixed and length-delimited fields: the raw bytes. */
	bytes?: Uint8Array;
}

/** Iterates the fields of one message; throws ProtobufError on malformed input. */
export function* readFields(bytes: Uint8Array): Generator<Field> {
	let offset = 0;
	const varint = (): number => {
		let result = 0;
		let factor = 1;
		for (let i = 0; i < 10; i++) {
			if (offset >= bytes.length) {
				throw new ProtobufError('message ends inside a varint');
			}
			const byte = bytes[offset++];
			result += (byte & 0x7f) * factor;
			if ((byte & 0x80) === 0) {
				return result;
			}
			factor *= 128;
		}
		throw new ProtobufError('varint longer than 10 bytes');
	};
	const take = (length: number): Uint8Array => {
		if (length < 0 || offset + length > bytes.length) {
			throw new ProtobufError('field runs past the end of the message');
		}
		const slice = bytes.subarray(offset, offset + length);
		offset += length;
		return slice;
	};
	while (offset < bytes.length) {
		const key = varint();
		const number = Math.floor(key / 8);
		const wireType = key % 8;
		switch (wireType) {
			case WireType.Varint:
				yield { number, wireType, varint: varint() };
				break;
			case WireType.Fixed64:
				yield { number, wireType, bytes: take(8) };
				break;
			case WireType.Bytes:
				yield { number, wireType, bytes: take(varint()) };
				break;
			case WireType.Fixed32:
				yield { number, wireType, bytes: take(4) };
				break;
			default:
				throw new ProtobufError(`unsupported wire type ${wireType}`);
		}
	}
}

export function fixed32Float(bytes: Uint8Array, at = 0): number {
	return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat32(at, true);
}

export function fixed64Double(bytes: Uint8Array, at = 0): number {
	return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(at, true);
}

export function decodeUtf8(bytes: Uint8Array): string {
	return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** Writer side, for event files written by tests, the bench and the stand-in trainer. */
export class ProtobufWriter {
	private readonly chunks: number[] = [];

	varint(number: number, value: number): this {
		this.key(number, WireType.Varint);
		this.rawVarint(value);
		return this;
	}

	double(number: number, value: number): this {
		this.key(number, WireType.Fixed64);
		const bytes = new Uint8Array(8);
		new DataView(bytes.buffer).setFloat64(0, value, true);
		this.chunks.push(...bytes);
		return this;
	}

	float(number: number, value: number): this {
		this.key(number, WireType.Fixed32);
		const bytes = new Uint8Array(4);
		new DataView(bytes.buffer).setFloat32(0, value, true);
		this.chunks.push(...bytes);
		return this;
	}

	bytes(number: number, value: Uint8Array | string): this {
		const data = typeof value === 'string' ? new TextEncoder().encode(value) : value;
		this.key(number, WireType.Bytes);
		this.rawVarint(data.length);
		for (const byte of data) {
			this.chunks.push(byte);
		}
		return this;
	}

	finish(): Uint8Array {
		return Uint8Array.from(this.chunks);
	}

	private key(number: number, wireType: WireType): void {
		this.rawVarint(number * 8 + wireType);
	}

	private rawVarint(value: number): void {
		let v = value;
		while (v >= 0x80) {
			this.chunks.push((v % 128) | 0x80);
			v = Math.floor(v / 128);
		}
		this.chunks.push(v);
	}
}
