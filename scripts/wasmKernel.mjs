// What scripts/build-wasm.mjs and its unit test share: where the kernel's source and module are, and how the
// source is compiled (wabt, from npm: no toolchain outside node_modules).
import wabtFactory from 'wabt';

export const KERNEL_SOURCE = 'src/core/tagger/areaResize.wat';
export const KERNEL_MODULE = 'src/core/tagger/areaResizeKernel.ts';

/** The WebAssembly binary of the kernel's text source. */
export async function compileAreaResizeKernel(source) {
	const wabt = await wabtFactory();
	const module = wabt.parseWat('areaResize.wat', source, { simd: true });
	try {
		module.validate();
		return module.toBinary({}).buffer;
	} finally {
		module.destroy();
	}
}
