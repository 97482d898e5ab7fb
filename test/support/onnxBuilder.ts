/**
 * Writes small ONNX models by hand (protobuf wire format, no Python), so tests can run real models through
 * onnxruntime-node. Only the parts of onnx.proto the test models use are encoded.
 */

// ---- protobuf wire format ----

class ProtoWriter {
	private readonly chunks: Uint8Array[] = [];

	varintField(field: number, value: number | bigint): this {
		this.tag(field, 0);
		this.varint(BigInt(value));
		return this;
	}

	bytesField(field: number, bytes: Uint8Array): this {
		this.tag(field, 2);
		this.varint(BigInt(bytes.length));
		this.chunks.push(bytes);
		return this;
	}

	stringField(field: number, text: string): this {
		return this.bytesField(field, new TextEncoder().encode(text));
	}

	messageField(field: number, message: ProtoWriter): this {
		return this.bytesField(field, message.finish());
	}

	floatField(field: number, value: number): this {
		this.tag(field, 5);
		const bytes = new Uint8Array(4);
		new DataView(bytes.buffer).setFloat32(0, value, true);
		this.chunks.push(bytes);
		return this;
	}

	finish(): Uint8Array {
		const length = this.chunks.reduce((sum, c) => sum + c.length, 0);
		const out = new Uint8Array(length);
		let at = 0;
		for (const chunk of this.chunks) {
			out.set(chunk, at);
			at += chunk.length;
		}
		return out;
	}

	private tag(field: number, wireType: number): void {
		this.varint(BigInt((field << 3) | wireType));
	}

	private varint(value: bigint): void {
		// Negative int64 values are written as 10-byte two's complement, as protobuf does.
		let v = value < 0n ? (1n << 64n) + value : value;
		const bytes: number[] = [];
		do {
			let byte = Number(v & 0x7fn);
			v >>= 7n;
			if (v > 0n) {
				byte |= 0x80;
			}
			bytes.push(byte);
		} while (v > 0n);
		this.chunks.push(Uint8Array.from(bytes));
	}
}

// ---- onnx.proto subset ----

export const FLOAT = 1;
export const INT64 = 7;

export interface Initializer {
	name: string;
	dims: number[];
	/** Float32 values, or bigint values for INT64 tensors. */
	values: Float32Array | BigInt64Array;
}

export type AttributeValue = number | number[] | string | { ints: number[] } | { float: number };

export interface OnnxNode {
	op: string;
	inputs: string[];
	outputs: string[];
	attributes?: Record<string, AttributeValue>;
}

export interface ValueInfo {
	name: string;
	elemType?: number;
	/** A number is a fixed dimension; a string a symbolic one. */
	shape: Array<number | string>;
}

export interface GraphSpec {
	inputs: ValueInfo[];
	outputs: ValueInfo[];
	nodes: OnnxNode[];
	initializers: Initializer[];
	opset?: number;
}

function tensorProto(init: Initializer): ProtoWriter {
	const tensor = new ProtoWriter();
	for (const dim of init.dims) {
		tensor.varintField(1, dim);
	}
	tensor.varintField(2, init.values instanceof BigInt64Array ? INT64 : FLOAT);
	tensor.stringField(8, init.name);
	tensor.bytesField(9, new Uint8Array(init.values.buffer, init.values.byteOffset, init.values.byteLength));
	return tensor;
}

function attributeProto(name: string, value: AttributeValue): ProtoWriter {
	const attribute = new ProtoWriter().stringField(1, name);
	if (typeof value === 'number') {
		attribute.varintField(3, value).varintField(20, 2);
	} else if (typeof value === 'string') {
		attribute.stringField(4, value).varintField(20, 3);
	} else if (Array.isArray(value) || 'ints' in value) {
		for (const v of Array.isArray(value) ? value : value.ints) {
			attribute.varintField(8, v);
		}
		attribute.varintField(20, 7);
	} else {
		attribute.floatField(2, value.float).varintField(20, 1);
	}
	return attribute;
}

function valueInfoProto(info: ValueInfo): ProtoWriter {
	const shape = new ProtoWriter();
	for (const dim of info.shape) {
		shape.messageField(1, typeof dim === 'number' ? new ProtoWriter().varintField(1, dim) : new ProtoWriter().stringField(2, dim));
	}
	const tensorType = new ProtoWriter().varintField(1, info.elemType ?? FLOAT).messageField(2, shape);
	return new ProtoWriter().stringField(1, info.name).messageField(2, new ProtoWriter().messageField(1, tensorType));
}

export function encodeModel(spec: GraphSpec): Uint8Array {
	const graph = new ProtoWriter();
	spec.nodes.forEach((node, index) => {
		const proto = new ProtoWriter();
		node.inputs.forEach((input) => proto.stringField(1, input));
		node.outputs.forEach((output) => proto.stringField(2, output));
		proto.stringField(3, `${node.op.toLowerCase()}_${index}`);
		proto.stringField(4, node.op);
		for (const [name, value] of Object.entries(node.attributes ?? {})) {
			proto.messageField(5, attributeProto(name, value));
		}
		graph.messageField(1, proto);
	});
	graph.stringField(2, 'test_graph');
	spec.initializers.forEach((init) => graph.messageField(5, tensorProto(init)));
	spec.inputs.forEach((input) => graph.messageField(11, valueInfoProto(input)));
	spec.outputs.forEach((output) => graph.messageField(12, valueInfoProto(output)));
	return new ProtoWriter()
		.varintField(1, 8)
		.stringField(2, 'lora-workbench-tests')
		.messageField(7, graph)
		.messageField(8, new ProtoWriter().stringField(1, '').varintField(2, spec.opset ?? 13))
		.finish();
}

// ---- models with the WD14 contract ----

export interface Wd14TestModelSpec {
	/** Number of scores per image (must equal the CSV rows). */
	tagCount: number;
	inputName?: string;
	outputName?: string;
	/** Spatial size; WD14 uses 448. */
	size?: number;
	/** A number fixes the batch dimension; default symbolic 'batch'. */
	batch?: number | string;
	/**
	 * Score j = sigmoid(weights[j] . [meanB, meanG, meanR] + bias[j]), with the channel means of the input
	 * (0..255, in the model's B,G,R order). weights is tagCount x 3.
	 */
	weights: number[][];
	bias: number[];
}

/** A WD14-shaped model whose scores are a known function of the per-channel means of the pixels. */
export function buildMeanColourModel(spec: Wd14TestModelSpec): Uint8Array {
	const size = spec.size ?? 448;
	const inputName = spec.inputName ?? 'input_1:0';
	const outputName = spec.outputName ?? 'predictions_sigmoid';
	const weightT = new Float32Array(3 * spec.tagCount);
	spec.weights.forEach((row, j) => row.forEach((w, c) => { weightT[c * spec.tagCount + j] = w; }));
	return encodeModel({
		inputs: [{ name: inputName, shape: [spec.batch ?? 'batch', size, size, 3] }],
		outputs: [{ name: outputName, shape: [spec.batch ?? 'batch', spec.tagCount] }],
		initializers: [
			{ name: 'weights', dims: [3, spec.tagCount], values: weightT },
			{ name: 'bias', dims: [spec.tagCount], values: Float32Array.from(spec.bias) },
		],
		nodes: [
			{ op: 'ReduceMean', inputs: [inputName], outputs: ['means'], attributes: { axes: [1, 2], keepdims: 0 } },
			{ op: 'MatMul', inputs: ['means', 'weights'], outputs: ['logits_raw'] },
			{ op: 'Add', inputs: ['logits_raw', 'bias'], outputs: ['logits'] },
			{ op: 'Sigmoid', inputs: ['logits'], outputs: [outputName] },
		],
	});
}

/** A small deterministic random source in [0, 1) (mulberry32), so a run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Deterministic weights in [-0.5, 0.5). */
function random(seed: number): () => number {
	const next = seededRandom(seed);
	return () => next() - 0.5;
}

/**
 * A WD14-shaped model with the compute cost of a real one in the same order of magnitude (a small
 * convolutional stack over the full 448x448 input), for measuring pipeline overhead against inference.
 */
export function buildHeavyModel(tagCount: number, channels = [32, 64, 128, 256]): Uint8Array {
	const next = random(42);
	const initializers: Initializer[] = [];
	const nodes: OnnxNode[] = [
		{ op: 'Transpose', inputs: ['input'], outputs: ['nchw'], attributes: { perm: [0, 3, 1, 2] } },
	];
	let previous = 'nchw';
	let inChannels = 3;
	channels.forEach((outChannels, i) => {
		const weights = new Float32Array(outChannels * inChannels * 9).map(() => next() * 0.02);
		initializers.push({ name: `conv${i}_w`, dims: [outChannels, inChannels, 3, 3], values: weights });
		nodes.push({ op: 'Conv', inputs: [previous, `conv${i}_w`], outputs: [`conv${i}`], attributes: { strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] } });
		nodes.push({ op: 'Relu', inputs: [`conv${i}`], outputs: [`relu${i}`] });
		previous = `relu${i}`;
		inChannels = outChannels;
	});
	initializers.push({ name: 'head_w', dims: [inChannels, tagCount], values: new Float32Array(inChannels * tagCount).map(() => next() * 0.1) });
	initializers.push({ name: 'flat_shape', dims: [2], values: BigInt64Array.from([0n, BigInt(inChannels)]) });
	nodes.push(
		{ op: 'GlobalAveragePool', inputs: [previous], outputs: ['pooled'] },
		{ op: 'Reshape', inputs: ['pooled', 'flat_shape'], outputs: ['flat'] },
		{ op: 'MatMul', inputs: ['flat', 'head_w'], outputs: ['logits'] },
		{ op: 'Sigmoid', inputs: ['logits'], outputs: ['output'] },
	);
	return encodeModel({
		inputs: [{ name: 'input', shape: ['batch', 448, 448, 3] }],
		outputs: [{ name: 'output', shape: ['batch', tagCount] }],
		initializers,
		nodes,
	});
}

/** A selected_tags.csv for `general` general tags and `character` character tags, after the 4 ratings. */
export function selectedTagsCsv(general: string[], character: string[] = []): string {
	const rows = ['tag_id,name,category,count', '9999999,general,9,100', '9999998,sensitive,9,90', '9999997,questionable,9,80', '9999996,explicit,9,70'];
	general.forEach((name, i) => rows.push(`${1000 + i},${name},0,${500 - i}`));
	character.forEach((name, i) => rows.push(`${2000 + i},${name},4,${50 - i}`));
	return `${rows.join('\r\n')}\r\n`;
}
