// Checks that a .vsix carries only its own platform's native code, by reading each binary's header: PE for
// Windows, Mach-O for macOS, ELF for Linux, each with its CPU. A file name can lie (a Linux .node is still a
// .node), a header cannot, so a package with the wrong sharp fails here even on a Linux CI machine.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** PE machine, Mach-O cputype and ELF e_machine values of the CPUs we ship for. */
const PE_MACHINES = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32', 0x1c4: 'arm' };
const MACHO_CPUS = { 0x01000007: 'x64', 0x0100000c: 'arm64', 7: 'ia32', 12: 'arm' };
const ELF_MACHINES = { 62: 'x64', 183: 'arm64', 3: 'ia32', 40: 'arm' };

/** Names that must be native code: Node addons and shared libraries (libfoo.so.1.2 included). */
export const NATIVE_NAME = /\.(node|dll|dylib|exe)$|\.so(\.\d+)*$/;

/**
 * The platform a binary is for, from its first bytes: `{ os, archs }` (`archs` has several entries only for a
 * Mach-O universal binary), or undefined when the bytes are no PE, Mach-O or ELF header.
 */
export function binaryKind(bytes) {
	if (bytes.length >= 0x40 && bytes[0] === 0x4d && bytes[1] === 0x5a) {
		const pe = bytes.readUInt32LE(0x3c);
		if (pe + 6 <= bytes.length && bytes.readUInt32BE(pe) === 0x50450000) {
			return { os: 'win32', archs: [PE_MACHINES[bytes.readUInt16LE(pe + 4)] ?? `pe-machine-0x${bytes.readUInt16LE(pe + 4).toString(16)}`] };
		}
		return undefined;
	}
	if (bytes.length >= 8 && [0xfeedfacf, 0xfeedface].includes(bytes.readUInt32LE(0))) {
		return { os: 'darwin', archs: [machoCpu(bytes.readUInt32LE(4))] };
	}
	if (bytes.length >= 8 && [0xcafebabe, 0xcafebabf].includes(bytes.readUInt32BE(0))) {
		// Universal binary: big-endian fat_arch records (20 bytes, or 32 for fat_arch_64) after the 8-byte header.
		const stride = bytes.readUInt32BE(0) === 0xcafebabe ? 20 : 32;
		const count = bytes.readUInt32BE(4);
		if (count === 0 || count > 16 || 8 + count * stride > bytes.length) {
			return undefined; // 0xcafebabe also starts Java class files, whose next word is a version, not a count.
		}
		return { os: 'darwin', archs: Array.from({ length: count }, (_, i) => machoCpu(bytes.readUInt32BE(8 + i * stride))) };
	}
	if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
		const machine = bytes[5] === 2 ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
		return { os: 'linux', archs: [ELF_MACHINES[machine] ?? `elf-machine-${machine}`] };
	}
	return undefined;
}

function machoCpu(cputype) {
	return MACHO_CPUS[cputype] ?? `macho-cpu-0x${cputype.toString(16)}`;
}

/** The entries of a zip (a .vsix), each with a `read()` that inflates it. Enough zip for what vsce writes. */
export function zipEntries(zip) {
	let end = -1;
	for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
		if (zip.readUInt32LE(i) === 0x06054b50) { end = i; break; }
	}
	if (end < 0) {
		throw new Error('not a zip file (no end of central directory)');
	}
	const entries = [];
	let at = zip.readUInt32LE(end + 16);
	for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
		if (zip.readUInt32LE(at) !== 0x02014b50) {
			throw new Error(`damaged zip: no central directory header at ${at}`);
		}
		const method = zip.readUInt16LE(at + 10);
		const compressed = zip.readUInt32LE(at + 20);
		const nameLength = zip.readUInt16LE(at + 28);
		const local = zip.readUInt32LE(at + 42);
		const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
		at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
		const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
		entries.push({
			name,
			read() {
				const data = zip.subarray(dataAt, dataAt + compressed);
				if (method === 0) { return data; }
				if (method === 8) { return inflateRawSync(data); }
				throw new Error(`${name}: zip method ${method} is not supported`);
			},
		});
	}
	return entries;
}

/** onnxruntime-node 1.30 publishes no darwin-x64 binary, so that package has none (the extension says so). */
export const ONNX_MISSING = ['darwin-x64'];

/**
 * What is wrong with `vsix` as the package for `target` ('win32-x64'...): one line per problem, none when every
 * native file is the target's, nothing names another platform, and sharp's (and onnxruntime's) binaries are there.
 * `natives` lists each native file with the platform its header says.
 */
export function checkVsix(vsix, target) {
	const [os, arch] = target.split('-');
	const problems = [];
	const natives = [];
	const entries = zipEntries(Buffer.isBuffer(vsix) ? vsix : readFileSync(vsix));
	for (const entry of entries) {
		const name = entry.name;
		if (name === 'extension.vsixmanifest') {
			const declared = /TargetPlatform="([^"]*)"/.exec(entry.read().toString('utf8'))?.[1];
			if (declared !== target) { problems.push(`extension.vsixmanifest declares TargetPlatform ${declared ?? '(none)'}, not ${target}`); }
			continue;
		}
		const img = /node_modules\/@img\/(sharp-[^/]+)\//.exec(name)?.[1];
		if (img && img !== `sharp-${target}` && img !== `sharp-libvips-${target}`) {
			problems.push(`${name}: @img/${img} is not ${target}'s`);
		}
		const onnx = /onnxruntime-node\/bin\/napi-v\d+\/([^/]+)\/([^/]+)\//.exec(name);
		if (onnx && `${onnx[1]}-${onnx[2]}` !== target) {
			problems.push(`${name}: onnxruntime-node binaries for ${onnx[1]}-${onnx[2]}`);
		}
		const head = name.endsWith('/') ? Buffer.alloc(0) : entry.read().subarray(0, 4096);
		const kind = binaryKind(head);
		if (!kind) {
			if (NATIVE_NAME.test(name)) { problems.push(`${name}: named like native code but has no PE, Mach-O or ELF header`); }
			continue;
		}
		natives.push({ name, ...kind });
		if (kind.os !== os || !kind.archs.includes(arch)) {
			problems.push(`${name}: built for ${kind.os}-${kind.archs.join('+')}, not ${target}`);
		}
	}
	const has = (pattern) => natives.some((n) => pattern.test(n.name));
	if (!has(new RegExp(`node_modules/@img/sharp-${target}/.*\\.node$`))) {
		problems.push(`no @img/sharp-${target} addon (.node): sharp cannot load on ${target}`);
	}
	if (os !== 'win32' && !has(new RegExp(`node_modules/@img/sharp-libvips-${target}/`))) {
		problems.push(`no @img/sharp-libvips-${target} library: sharp cannot load on ${target}`);
	}
	if (!ONNX_MISSING.includes(target) && !has(new RegExp(`onnxruntime-node/bin/napi-v\\d+/${os}/${arch}/onnxruntime_binding\\.node$`))) {
		problems.push(`no onnxruntime-node binding for ${target}`);
	}
	return { problems, natives };
}
