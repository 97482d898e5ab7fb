/*
 * sharp and onnxruntime-node ship one native binary per platform, and each .vsix carries only its own platform's
 * (scripts/packaging.mjs). Every load goes through here, on first use (never at module top level), so that a
 * package installed on the wrong platform says which package to install instead of showing a dlopen stack trace.
 */

export type NativeModuleName = 'sharp' | 'onnxruntime-node';

/** The platforms a package is built for; scripts/packaging.mjs has the same list (checked by a unit test). */
export const PACKAGE_TARGETS: readonly string[] = ['win32-x64', 'win32-arm64', 'darwin-x64', 'darwin-arm64', 'linux-x64', 'linux-arm64'];

/** onnxruntime-node 1.30 publishes no binary for Intel Macs, so that package ships without one. */
export const ONNX_MISSING: ReadonlySet<string> = new Set(['darwin-x64']);

/** What stops working without each module, so the message says what the user loses. */
const NEEDED_FOR: Record<NativeModuleName, string> = {
	'sharp': 'image checks, cropping, thumbnails, previews and tagging',
	'onnxruntime-node': 'auto-tagging and face detection',
};

/** A native module that could not load; the message is for the user as is (no stack trace needed). */
export class NativeModuleError extends Error {
	constructor(readonly moduleName: NativeModuleName, message: string) {
		super(message);
		this.name = 'NativeModuleError';
	}
}

/**
 * The platform this build was packaged for. esbuild replaces the expression with the target when
 * scripts/packaging.mjs builds a package (`--package-target`); in a source checkout it stays an environment
 * read and is normally unset.
 */
export function packagedTarget(): string | undefined {
	return process.env.LORA_WORKBENCH_PACKAGE_TARGET || undefined;
}

/** This process's platform in the .vsix target names (alpine-* for musl Linux, which has no package). */
export function runningTarget(): string {
	if (process.platform === 'linux') {
		const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
		if (header && !header.glibcVersionRuntime) {
			return `alpine-${process.arch}`;
		}
	}
	return `${process.platform}-${process.arch}`;
}

/** The user's message for a failed load of `name`, given the package's target and the running platform. */
export function nativeLoadMessage(name: NativeModuleName, cause: unknown, packaged: string | undefined, running: string): string {
	const what = `LoRA Workbench could not load ${name}, which ${NEEDED_FOR[name]} need`;
	if (packaged && packaged !== running) {
		const advice = PACKAGE_TARGETS.includes(running)
			? `install lora-workbench-${running}.vsix instead (Extensions view, ... menu, Install from VSIX...)`
			: `there is no LoRA Workbench package for ${running}; packages exist for ${PACKAGE_TARGETS.join(', ')}`;
		return `${what}: this package is for ${packaged}, but this machine is ${running}; ${advice}.`;
	}
	if (name === 'onnxruntime-node' && ONNX_MISSING.has(running)) {
		return `${what}: onnxruntime-node has no build for ${running} (Intel Macs), so auto-tagging and face detection are not available on this machine. Everything else works.`;
	}
	const reason = firstLine(cause);
	if (packaged) {
		const runtime = name === 'onnxruntime-node' && running.startsWith('win32')
			? '; if it still fails, install the Microsoft Visual C++ Redistributable, which onnxruntime needs'
			: '';
		return `${what} (${reason}). The package matches this platform (${running}), so its files may be damaged: reinstall lora-workbench-${running}.vsix${runtime}.`;
	}
	return `${what} on ${running} (${reason}). In a source checkout run npm ci on this machine; to install elsewhere, build that platform's package with npm run package -- --target <platform>.`;
}

/**
 * Loads a native module on first use; a failed load throws a NativeModuleError with nativeLoadMessage's text.
 * `load` exists for tests, which simulate a failed load.
 */
export function requireNative(name: NativeModuleName, load: (name: NativeModuleName) => unknown = requireByName): unknown {
	try {
		return load(name);
	} catch (err) {
		throw new NativeModuleError(name, nativeLoadMessage(name, err, packagedTarget(), runningTarget()));
	}
}

/** sharp's function; require() returns it directly (its types describe the ES module, hence `.default`). */
export function requireSharp(): typeof import('sharp').default {
	return requireNative('sharp') as typeof import('sharp').default;
}

export function requireOnnxRuntime(): typeof import('onnxruntime-node') {
	return requireNative('onnxruntime-node') as typeof import('onnxruntime-node');
}

function requireByName(name: NativeModuleName): unknown {
	// Literal requires, so esbuild keeps both as externals (esbuild.mjs) and never bundles them.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return name === 'sharp' ? withoutOperationCache(require('sharp')) : require('onnxruntime-node');
}

let operationCacheOff = false;

/**
 * libvips keeps the last 100 operations, 20 open files and up to 50 MB by default, for a program that repeats one
 * operation on one input. The workbench opens each picture once per job (thumbnails, checks, tagging, crops), so the
 * cache only held memory and cost a lookup per operation: 6-7% of a cold thumbnail run (issue 22). The setting is
 * libvips's, one per process; it is made once, on the first load.
 */
function withoutOperationCache(sharp: { cache(options: boolean): unknown }): unknown {
	if (!operationCacheOff) {
		operationCacheOff = true;
		sharp.cache(false);
	}
	return sharp;
}

function firstLine(cause: unknown): string {
	return String(cause instanceof Error ? cause.message : cause ?? 'unknown error').split('\n')[0].trim();
}
