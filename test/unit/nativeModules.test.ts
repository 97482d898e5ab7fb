import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { nativeLoadMessage, NativeModuleError, ONNX_MISSING, PACKAGE_TARGETS, requireNative, requireSharp, runningTarget } from '../../src/core/nativeModules';

// What a wrong-platform sharp throws (sharp's own text, several lines), and what a missing .node does.
const sharpFailure = new Error('Could not load the "sharp" module using the linux-x64 runtime\nPossible solutions:\n- Ensure optional dependencies can be installed:\n    npm install --include=optional sharp');
const dlopenFailure = Object.assign(new Error('Cannot find module \'../bin/napi-v6/darwin/x64/onnxruntime_binding.node\'\nRequire stack:\n- /x/binding.js'), { code: 'MODULE_NOT_FOUND' });

function withPackagedTarget<T>(target: string | undefined, body: () => T): T {
	const before = process.env.LORA_WORKBENCH_PACKAGE_TARGET;
	if (target === undefined) { delete process.env.LORA_WORKBENCH_PACKAGE_TARGET; } else { process.env.LORA_WORKBENCH_PACKAGE_TARGET = target; }
	try {
		return body();
	} finally {
		if (before === undefined) { delete process.env.LORA_WORKBENCH_PACKAGE_TARGET; } else { process.env.LORA_WORKBENCH_PACKAGE_TARGET = before; }
	}
}

test('a package for another platform names the package to install, not a stack trace', () => {
	const message = nativeLoadMessage('sharp', sharpFailure, 'linux-x64', 'win32-x64');
	assert.match(message, /this package is for linux-x64, but this machine is win32-x64; install lora-workbench-win32-x64\.vsix/);
	assert.match(message, /image checks/, 'says what stops working');
	assert.doesNotMatch(message, /\n|Possible solutions|npm install/, 'one line, none of sharp\'s developer advice');
});

test('a failed load, simulated, throws a NativeModuleError with that message', () => {
	const running = runningTarget();
	const other = PACKAGE_TARGETS.find((t) => t !== running)!;
	const err = withPackagedTarget(other, () => {
		try {
			requireNative('onnxruntime-node', () => { throw dlopenFailure; });
		} catch (caught) {
			return caught;
		}
		assert.fail('the load did not throw');
	});
	assert.ok(err instanceof NativeModuleError);
	assert.equal(err.moduleName, 'onnxruntime-node');
	assert.match(err.message, new RegExp(`this package is for ${other}, but this machine is ${running}`));
	assert.match(err.message, /auto-tagging and face detection/);
});

test('each mismatch case gets its own advice', () => {
	assert.match(nativeLoadMessage('sharp', sharpFailure, 'win32-x64', 'alpine-x64'),
		/there is no LoRA Workbench package for alpine-x64; packages exist for win32-x64, .*linux-arm64/);
	assert.match(nativeLoadMessage('onnxruntime-node', dlopenFailure, 'darwin-x64', 'darwin-x64'),
		/no build for darwin-x64 \(Intel Macs\).*Everything else works/);
	assert.match(nativeLoadMessage('onnxruntime-node', new Error('The specified module could not be found.'), 'win32-x64', 'win32-x64'),
		/\(The specified module could not be found\.\).*reinstall lora-workbench-win32-x64\.vsix; .*Visual C\+\+ Redistributable/);
	assert.match(nativeLoadMessage('sharp', sharpFailure, 'linux-arm64', 'linux-arm64'),
		/\(Could not load the "sharp" module using the linux-x64 runtime\)\. .*reinstall lora-workbench-linux-arm64\.vsix\.$/);
	assert.match(nativeLoadMessage('sharp', sharpFailure, undefined, 'linux-x64'), /In a source checkout run npm ci on this machine/);
});

test('in a source checkout the modules load as usual', () => {
	const sharp = requireSharp();
	assert.equal(typeof sharp, 'function');
	assert.equal(requireNative('sharp'), sharp, 'the same module object as require gives');
});

test('sharp loads with libvips\'s operation cache off: every picture is opened once per job', () => {
	const stats = requireSharp().cache() as { memory: { max: number }; files: { max: number }; items: { max: number } };
	assert.deepEqual([stats.memory.max, stats.files.max, stats.items.max], [0, 0, 0]);
});

test('the extension and scripts/packaging.mjs agree on the targets and on the one without onnxruntime', async () => {
	const packaging = await import('../../scripts/packaging.mjs');
	const binaries = await import('../../scripts/vsixBinaries.mjs');
	assert.deepEqual([...PACKAGE_TARGETS], packaging.TARGETS);
	assert.deepEqual([...ONNX_MISSING], binaries.ONNX_MISSING);
});

test('every load of sharp and onnxruntime-node in src/ goes through src/core/nativeModules.ts', () => {
	const root = join(__dirname, '..', '..');
	const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : [];
	});
	const direct = /require\(\s*['"](sharp|onnxruntime-node)['"]\s*\)|(?<!typeof )import\(\s*['"](sharp|onnxruntime-node)['"]\s*\)|^import (?!type ).*from ['"](sharp|onnxruntime-node)['"]/m;
	const offenders = files(join(root, 'src'))
		.filter((file) => !file.endsWith(join('core', 'nativeModules.ts')) && direct.test(readFileSync(file, 'utf8')))
		.map((file) => relative(root, file));
	assert.deepEqual(offenders, [], 'load them with requireSharp() / requireOnnxRuntime(), so a failed load names the package to install');
});
