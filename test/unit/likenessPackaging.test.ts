import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { minimatch } from 'minimatch';
import { repoRoot } from '../support/paths';

/** vsce's rule (@vscode/vsce collectFiles): a file is packed unless an ignore line matches and no "!" line does. */
function packed(root: string): (file: string) => boolean {
	const lines = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
	const ignore = lines.filter((l) => !l.startsWith('!'));
	const negate = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
	return (file) => !ignore.some((i) => minimatch(file, i, { dot: true })) || negate.some((i) => minimatch(file, i, { dot: true }));
}

function filesUnder(root: string, dir: string): string[] {
	return readdirSync(join(root, dir)).flatMap((name) => {
		const rel = join(dir, name);
		return statSync(join(root, rel)).isDirectory() ? filesUnder(root, rel) : [relative(root, join(root, rel))];
	});
}

test('the package keeps what the identity model loads and leaves out the rest of TensorFlow.js and face-api', () => {
	const root = repoRoot();
	const keep = packed(root);
	const files = [...filesUnder(root, 'node_modules/@tensorflow'), ...filesUnder(root, 'node_modules/@vladmandic')];
	const kept = files.filter(keep);
	// Each package's Node entry point (package.json main), the wasm binaries, face-api's node-wasm build and its recognition net.
	const needed = readdirSync(join(root, 'node_modules/@tensorflow')).map((name) => {
		const pkg = JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow', name, 'package.json'), 'utf8')) as { main: string };
		return join('node_modules/@tensorflow', name, pkg.main);
	});
	needed.push(
		'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
		'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
		'node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js',
		'node_modules/@vladmandic/face-api/package.json',
		'node_modules/@vladmandic/face-api/model/face_recognition_model.bin',
		'node_modules/@vladmandic/face-api/model/face_recognition_model-weights_manifest.json',
	);
	for (const file of needed) {
		assert.ok(kept.includes(file), `${file} is packed`);
	}
	assert.ok(!kept.includes('node_modules/@tensorflow/tfjs/dist/tf.min.js'), 'browser bundles are left out');
	assert.ok(!kept.some((f) => f.includes('ssd_mobilenetv1')), 'the nets we do not run are left out');
	const megabytes = kept.reduce((n, f) => n + statSync(join(root, f)).size, 0) / 1e6;
	assert.ok(megabytes < 30, `${megabytes.toFixed(1)} MB packed for the identity model`);
});
