import { decodeUtf8, fixed32Float, fixed64Double, ProtobufError, ProtobufWriter, readFields, WireType } from './protobuf';
import { frameTfRecord, scanTfRecords } from './tfrecord';

/**
 * Scalars from TensorBoard event files (`events.out.tfevents.*`): an Event { wall_time = 1, step = 2,
 * summary = 5 } whose Summary { repeated Value value = 1 } holds Value { tag = 1, simple_value = 2,
 * tensor = 8 }. torch's SummaryWriter writes simple_value; TF2-style writers put a rank-0 tensor instead.
 */
export interface ScalarPoint {
	tag: string;
	step: number;
	value: number;
	/** Seconds since the epoch, as the writer recorded it. */
	wallTime: number;
}

export interface ScalarRead {
	points: ScalarPoint[];
	/** Where the next read of a growing file should start. */
	end: number;
	truncated: boolean;
	corruption?: string;
	/** Records that passed their checksum but did not decode as an Event. */
	undecodable: number;
}

const enum DataType {
	Float = 1,
	Double = 2,
	Int32 = 3,
	Int64 = 9,
	BFloat16 = 14,
	Half = 19,
}

export function readScalarEvents(bytes: Uint8Array, start = 0): ScalarRead {
	const scan = scanTfRecords(bytes, start);
	const points: ScalarPoint[] = [];
	let undecodable = 0;
	for (const record of scan.records) {
		try {
			decodeEvent(record, points);
		} catch (err) {
			if (!(err instanceof ProtobufError)) {
				throw err;
			}
			undecodable++;
		}
	}
	return { points, end: scan.end, truncated: scan.truncated, corruption: scan.corruption, undecodable };
}

function decodeEvent(bytes: Uint8Array, out: ScalarPoint[]): void {
	let wallTime = 0;
	let step = 0;
	let summary: Uint8Array | undefined;
	for (const field of readFields(bytes)) {
		if (field.number === 1 && field.wireType === WireType.Fixed64) {
			wallTime = fixed64Double(field.bytes!);
		} else if (field.number === 2 && field.wireType === WireType.Varint) {
			step = field.varint!;
		} else if (field.number === 5 && field.wireType === WireType.Bytes) {
			summary = field.bytes;
		}
	}
	if (!summary) {
		return; // file_version, graph and session-log events carry no scalars
	}
	for (const field of readFields(summary)) {
		if (field.number === 1 && field.wireType === WireType.Bytes) {
			const scalar = decodeValue(field.bytes!);
			if (scalar) {
				out.push({ tag: scalar.tag, value: scalar.value, step, wallTime });
			}
		}
	}
}

function decodeValue(bytes: Uint8Array): { tag: string; value: number } | undefined {
	let tag: string | undefined;
	let value: number | undefined;
	for (const field of readFields(bytes)) {
		if (field.number === 1 && field.wireType === WireType.Bytes) {
			tag = decodeUtf8(field.bytes!);
		} else if (field.number === 2 && field.wireType === WireType.Fixed32) {
			value = fixed32Float(field.bytes!);
		} else if (field.number === 8 && field.wireType === WireType.Bytes && value === undefined) {
			value = decodeScalarTensor(field.bytes!);
		}
	}
	return tag !== undefined && value !== undefined ? { tag, value } : undefined;
}

/** The single number of a rank-0 TensorProto (dtype = 1, tensor_content = 4, float_val = 5, double_val = 6, ...). */
function decodeScalarTensor(bytes: Uint8Array): number | undefined {
	let dtype = 0;
	let content: Uint8Array | undefined;
	let value: number | undefined;
	for (const field of readFields(bytes)) {
		switch (field.number) {
			case 1:
				dtype = field.varint ?? 0;
				break;
			case 4:
				content = field.bytes;
				break;
			case 5: // float_val: packed or single
				value ??= field.wireType === WireType.Fixed32 ? fixed32Float(field.bytes!) : field.bytes!.length >= 4 ? fixed32Float(field.bytes!) : undefined;
				break;
			case 6:
				value ??= field.bytes && field.bytes.length >= 8 ? fixed64Double(field.bytes) : undefined;
				break;
			case 7: // int_val
			case 10: // int64_val
			case 13: // half_val (the uint16 bits in an int32)
				value ??= firstVarint(field, field.number === 13 && dtype === DataType.BFloat16 ? bfloat16ToNumber : field.number === 13 ? halfToNumber : (n) => n);
				break;
			default:
				break;
		}
	}
	if (value === undefined && content) {
		const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
		if (dtype === DataType.Float && content.length >= 4) { value = view.getFloat32(0, true); }
		else if (dtype === DataType.Double && content.length >= 8) { value = view.getFloat64(0, true); }
		else if (dtype === DataType.Int32 && content.length >= 4) { value = view.getInt32(0, true); }
		else if (dtype === DataType.Int64 && content.length >= 8) { value = Number(view.getBigInt64(0, true)); }
		else if (dtype === DataType.Half && content.length >= 2) { value = halfToNumber(view.getUint16(0, true)); }
		else if (dtype === DataType.BFloat16 && content.length >= 2) { value = bfloat16ToNumber(view.getUint16(0, true)); }
	}
	return value;
}

function firstVarint(field: { wireType: WireType; varint?: number; bytes?: Uint8Array }, convert: (n: number) => number): number | undefined {
	if (field.wireType === WireType.Varint) {
		return convert(field.varint!);
	}
	if (field.wireType === WireType.Bytes && field.bytes && field.bytes.length > 0) {
		let result = 0;
		let factor = 1;
		for (const byte of field.bytes) {
			result += (byte & 0x7f) * factor;
			if ((byte & 0x80) === 0) {
				return convert(result);
			}
			factor *= 128;
		}
	}
	return undefined;
}

function halfToNumber(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >> 10) & 0x1f;
	const fraction = bits & 0x3ff;
	if (exponent === 0) {
		return sign * 2 ** -14 * (fraction / 1024);
	}
	if (exponent === 0x1f) {
		return fraction ? NaN : sign * Infinity;
	}
	return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function bfloat16ToNumber(bits: number): number {
	const view = new DataView(new ArrayBuffer(4));
	view.setUint32(0, (bits & 0xffff) << 16);
	return view.getFloat32(0);
}

/** One framed Event record holding scalars (torch's simple_value form, or a rank-0 float tensor). */
export function encodeScalarEvent(step: number, wallTime: number, values: { tag: string; value: number; asTensor?: boolean }[]): Uint8Array {
	const summary = new ProtobufWriter();
	for (const { tag, value, asTensor } of values) {
		const entry = new ProtobufWriter().bytes(1, tag);
		if (asTensor) {
			const content = new Uint8Array(4);
			new DataView(content.buffer).setFloat32(0, value, true);
			entry.bytes(8, new ProtobufWriter().varint(1, DataType.Float).bytes(2, new Uint8Array()).bytes(4, content).finish());
		} else {
			entry.float(2, value);
		}
		summary.bytes(1, entry.finish());
	}
	const event = new ProtobufWriter().double(1, wallTime).varint(2, step).bytes(5, summary.finish());
	return frameTfRecord(event.finish());
}

/** The first record of every event file: `file_version: "brain.Event:2"`. */
export function encodeFileVersionEvent(wallTime: number): Uint8Array {
	return frameTfRecord(new ProtobufWriter().double(1, wallTime).bytes(3, 'brain.Event:2').finish());
}
