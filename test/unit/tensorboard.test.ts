import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from '../../src/core/tensorboard/crc32c';
import { encodeFileVersionEvent, encodeScalarEvent, readScalarEvents } from '../../src/core/tensorboard/events';
import { EventFileFollower, findTensorBoardRuns, readTensorBoardRun } from '../../src/core/tensorboard/files';
import { ProtobufWriter } from '../../src/core/tensorboard/protobuf';
import { frameTfRecord, scanTfRecords } from '../../src/core/tensorboard/tfrecord';

function concat(parts: Uint8Array[]): Uint8Array {
	return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** An event file like accelerate's TensorBoardTracker writes for sd-scripts (reference §9). */
function sdScriptsEventFile(steps: number): Uint8Array {
	const records = [encodeFileVersionEvent(1_771_240_000)];
	for (let step = 1; step <= steps; step++) {
		records.push(encodeScalarEvent(step, 1_771_240_000 + step, [
			{ tag: 'loss/current', value: 0.1 + step / 1000 },
			{ tag: 'loss/average', value: 0.1 },
			{ tag: 'lr/textencoder', value: 5e-5 },
			{ tag: 'lr/unet', value: 1e-4 * (1 - step / (steps + 1)) },
		]));
	}
	return concat(records);
}

test('crc32c matches the standard check value, masking as TensorFlow does', () => {
	assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
	// masked = rotr15(crc) + 0xa282ead8
	const crc = 0xe3069283;
	assert.equal(maskedCrc32c(new TextEncoder().encode('123456789')), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('reads scalars written as simple_value and as rank-0 float tensors', () => {
	const bytes = concat([
		encodeFileVersionEvent(100),
		encodeScalarEvent(7, 101.5, [{ tag: 'loss/current', value: 0.25 }, { tag: 'lr/unet', value: 0.0001, asTensor: true }]),
	]);
	const read = readScalarEvents(bytes);
	assert.equal(read.truncated, false);
	assert.equal(read.corruption, undefined);
	assert.equal(read.end, bytes.length);
	assert.deepEqual(read.points.map((p) => [p.tag, p.step, p.wallTime]), [['loss/current', 7, 101.5], ['lr/unet', 7, 101.5]]);
	assert.equal(read.points[0].value, 0.25);
	assert.ok(Math.abs(read.points[1].value - 0.0001) < 1e-9);
});

test('reads a tensor scalar given as float_val and as double tensor_content', () => {
	const floatVal = new ProtobufWriter().varint(1, 1).bytes(5, new Uint8Array(new Float32Array([0.5]).buffer)).finish();
	const doubleContent = new ProtobufWriter().varint(1, 2).bytes(4, new Uint8Array(new Float64Array([0.125]).buffer)).finish();
	const summary = new ProtobufWriter()
		.bytes(1, new ProtobufWriter().bytes(1, 'a').bytes(8, floatVal).finish())
		.bytes(1, new ProtobufWriter().bytes(1, 'b').bytes(8, doubleContent).finish())
		.finish();
	const bytes = frameTfRecord(new ProtobufWriter().double(1, 5).varint(2, 300).bytes(5, summary).finish());
	assert.deepEqual(readScalarEvents(bytes).points.map((p) => [p.tag, p.step, p.value]), [['a', 300, 0.5], ['b', 300, 0.125]]);
});

test('a truncated file keeps every whole record and says where to resume', () => {
	const whole = sdScriptsEventFile(10);
	const cut = whole.subarray(0, whole.length - 7);
	const read = readScalarEvents(cut);
	assert.equal(read.truncated, true);
	assert.equal(read.points.filter((p) => p.tag === 'loss/current').length, 9);
	assert.ok(read.end < cut.length);
	const rest = readScalarEvents(whole, read.end);
	assert.equal(rest.points.filter((p) => p.tag === 'loss/current').length, 1, 'resuming at end reads the last record');
});

test('a corrupt record stops reading with a message naming the offset; earlier points are kept', () => {
	const bytes = Buffer.from(sdScriptsEventFile(10));
	const records = scanTfRecords(bytes).records;
	assert.equal(records.length, 11);
	// flip a byte inside the 6th record's data
	let offset = 0;
	for (let i = 0; i < 5; i++) { offset += 12 + records[i].length + 4; }
	bytes[offset + 20] ^= 0xff;
	const read = readScalarEvents(bytes);
	assert.match(read.corruption ?? '', new RegExp(`byte ${offset}`));
	assert.equal(read.points.filter((p) => p.tag === 'loss/current').length, 4);
	// garbage that is not a TFRecord at all
	const garbage = readScalarEvents(new TextEncoder().encode('this is not an event file at all, just text'));
	assert.ok(garbage.corruption);
	assert.equal(garbage.points.length, 0);
});

test('a record with a valid checksum but broken protobuf is skipped and counted', () => {
	const bad = frameTfRecord(new Uint8Array([0x2a, 0xff])); // field 5, bytes, length runs past the end
	const read = readScalarEvents(concat([bad, encodeScalarEvent(1, 1, [{ tag: 'loss/current', value: 1 }])]));
	assert.equal(read.undecodable, 1);
	assert.equal(read.points.length, 1);
});

test('finds sd-scripts run folders and follows a growing event file', async () => {
	const root = mkdtempSync(join(tmpdir(), 'lora-tb-'));
	const runDir = join(root, 'log', '3mm4w4ts0n20260216121314', 'network_train');
	await fs.mkdir(runDir, { recursive: true });
	const file = join(runDir, 'events.out.tfevents.1771240000.host.1234.0');
	const whole = sdScriptsEventFile(20);
	await fs.writeFile(file, whole.subarray(0, 500));
	assert.deepEqual(await findTensorBoardRuns(root), [runDir]);
	const follower = new EventFileFollower(file);
	const first = await follower.read();
	await fs.writeFile(file, whole);
	const second = await follower.read();
	const steps = [...first, ...second].filter((p) => p.tag === 'loss/current').map((p) => p.step);
	assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => i + 1), 'every point exactly once');
	const run = await readTensorBoardRun(runDir);
	assert.deepEqual([...run.scalars.keys()].sort(), ['loss/average', 'loss/current', 'lr/textencoder', 'lr/unet']);
	assert.deepEqual(run.warnings, []);
	await fs.writeFile(file, whole.subarray(0, whole.length - 3));
	const cut = await readTensorBoardRun(runDir);
	assert.equal(cut.warnings.length, 1);
	assert.match(cut.warnings[0], /events\.out\.tfevents.*middle of a record/);
	await fs.rm(root, { recursive: true, force: true });
});

test('a run follower picks the run folder that appeared after it started and reads its file as it grows', async () => {
	const { TensorBoardRunFollower } = await import('../../src/core/tensorboard/runFollower');
	const logDir = mkdtempSync(join(tmpdir(), 'tb-follow-'));
	const older = async (name: string) => {
		await fs.mkdir(join(logDir, name, 'network_train'), { recursive: true });
		await fs.writeFile(join(logDir, name, 'network_train', 'events.out.tfevents.1.host.1.0'), sdScriptsEventFile(3));
	};
	await older('me-20250101120000'); // stamped before the run started
	await older('me-20260216121314'); // a short run that ended in the second this one started
	await older('other-20260216121320'); // another output name
	const follower = new TensorBoardRunFollower(logDir, 'me-', new Date(2026, 1, 16, 12, 13, 14, 500));
	assert.deepEqual(await follower.poll(), [], 'older runs are not this one');

	const runDir = join(logDir, 'me-20260216121315', 'network_train');
	await fs.mkdir(runDir, { recursive: true });
	const file = join(runDir, 'events.out.tfevents.1771240000.host.42.0');
	const firstTwo = concat([encodeFileVersionEvent(1_771_240_000), ...[1, 2].map((step) => encodeScalarEvent(step, 1, [{ tag: 'lr/unet', value: step }]))]);
	await fs.writeFile(file, firstTwo.subarray(0, firstTwo.length - 5));
	assert.deepEqual((await follower.poll()).map((p) => p.step), [1], 'a record still being written waits');
	await fs.writeFile(file, firstTwo);
	assert.deepEqual((await follower.poll()).map((p) => p.step), [2]);
	assert.deepEqual(follower.dirs, [join(logDir, 'me-20260216121315')]);
	assert.deepEqual(follower.warnings, []);
});
