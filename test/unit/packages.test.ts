// Per-platform packages carry only their own platform's native code (scripts/vsixBinaries.mjs reads each
// binary's header). Building all six takes about three minutes and needs the npm registry the first time, so the
// build is `npm run package:all`, not part of this test: here the header reader is checked on crafted bytes, and
// every lora-workbench-<target>.vsix present in the checkout is checked whole.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

const packaging = () => import('../../scripts/packaging.mjs');
const binaries = () => import('../../scripts/vsixBinaries.mjs');

function pe(machine: number): Buffer {
	const bytes = Buffer.alloc(0x100);
	bytes.write('MZ', 0, 'latin1');
	bytes.writeUInt32LE(0x80, 0x3c);
	bytes.write('PE\0\0', 0x80, 'latin1');
	bytes.writeUInt16LE(machine, 0x84);
	return bytes;
}

function macho(cputype: number): Buffer {
	const bytes = Buffer.alloc(32);
	bytes.writeUInt32LE(0xfeedfacf, 0);
	bytes.writeUInt32LE(cputype, 4);
	return bytes;
}

function fat(...cputypes: number[]): Buffer {
	const bytes = Buffer.alloc(8 + cputypes.length * 20);
	bytes.writeUInt32BE(0xcafebabe, 0);
	bytes.writeUInt32BE(cputypes.length, 4);
	cputypes.forEach((cpu, i) => bytes.writeUInt32BE(cpu, 8 + i * 20));
	return bytes;
}

function elf(machine: number): Buffer {
	const bytes = Buffer.alloc(64);
	bytes.writeUInt32BE(0x7f454c46, 0);
	bytes[4] = 2; // 64-bit
	bytes[5] = 1; // little-endian
	bytes.writeUInt16LE(machine, 18);
	return bytes;
}

/** A zip as vsce writes it (deflated entries, central directory, end record), small enough to build here. */
function zip(files: Record<string, Buffer | string>): Buffer {
	const locals: Buffer[] = [];
	const centrals: Buffer[] = [];
	let offset = 0;
	for (const [name, content] of Object.entries(files)) {
		const data = deflateRawSync(Buffer.from(content));
		const nameBytes = Buffer.from(name);
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(8, 8);
		local.writeUInt32LE(data.length, 18);
		local.writeUInt32LE(Buffer.from(content).length, 22);
		local.writeUInt16LE(nameBytes.length, 26);
		const central = Buffer.alloc(46);
		central.writeUInt32LE(0x02014b50, 0);
		central.writeUInt16LE(8, 10);
		central.writeUInt32LE(data.length, 20);
		central.writeUInt32LE(Buffer.from(content).length, 24);
		central.writeUInt16LE(nameBytes.length, 28);
		central.writeUInt32LE(offset, 42);
		locals.push(local, nameBytes, data);
		centrals.push(central, nameBytes);
		offset += local.length + nameBytes.length + data.length;
	}
	const directory = Buffer.concat(centrals);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(Object.keys(files).length, 8);
	end.writeUInt16LE(Object.keys(files).length, 10);
	end.writeUInt32LE(directory.length, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...locals, directory, end]);
}

test('binary headers: PE, Mach-O (thin and universal) and ELF give their platform and CPU', async () => {
	const { binaryKind } = await binaries();
	assert.deepEqual(binaryKind(pe(0x8664)), { os: 'win32', archs: ['x64'] });
	assert.deepEqual(binaryKind(pe(0xaa64)), { os: 'win32', archs: ['arm64'] });
	assert.deepEqual(binaryKind(macho(0x01000007)), { os: 'darwin', archs: ['x64'] });
	assert.deepEqual(binaryKind(macho(0x0100000c)), { os: 'darwin', archs: ['arm64'] });
	assert.deepEqual(binaryKind(fat(0x01000007, 0x0100000c)), { os: 'darwin', archs: ['x64', 'arm64'] });
	assert.deepEqual(binaryKind(elf(62)), { os: 'linux', archs: ['x64'] });
	assert.deepEqual(binaryKind(elf(183)), { os: 'linux', archs: ['arm64'] });
	assert.deepEqual(binaryKind(elf(8)), { os: 'linux', archs: ['elf-machine-8'] }, 'an unknown CPU is named, never taken for ours');
	assert.equal(binaryKind(Buffer.from('module.exports = 1;\n')), undefined);
	assert.equal(binaryKind(Buffer.from('MZ but no PE header at all, just text that goes on for a while......')), undefined);
	const javaClass = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41]);
	assert.equal(binaryKind(javaClass), undefined, 'a Java class file shares the universal-binary magic');
});

test('a crafted package: the right binaries pass, a Linux sharp in a Windows package fails by its header', async () => {
	const { checkVsix, zipEntries } = await binaries();
	const good = {
		'extension.vsixmanifest': '<Identity Id="lora-workbench" TargetPlatform="win32-x64"/>',
		'extension/package.json': '{}',
		'extension/node_modules/@img/sharp-win32-x64/lib/sharp-win32-x64.node': pe(0x8664),
		'extension/node_modules/@img/sharp-win32-x64/lib/libvips-42.dll': pe(0x8664),
		'extension/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime_binding.node': pe(0x8664),
	};
	assert.deepEqual(zipEntries(zip(good)).map((e) => e.name), Object.keys(good));
	assert.deepEqual(zipEntries(zip(good))[1].read().toString(), '{}');
	const passed = checkVsix(zip(good), 'win32-x64');
	assert.deepEqual(passed.problems, []);
	assert.equal(passed.natives.length, 3);

	// The fault of issue 23: this machine's sharp packed into the Windows package.
	const linuxSharp = checkVsix(zip({
		...good,
		'extension/node_modules/@img/sharp-win32-x64/lib/sharp-win32-x64.node': elf(62),
		'extension/node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node': elf(62),
	}), 'win32-x64').problems;
	assert.ok(linuxSharp.some((p) => /sharp-win32-x64\.node: built for linux-x64, not win32-x64/.test(p)), linuxSharp.join('\n'));
	assert.ok(linuxSharp.some((p) => /@img\/sharp-linux-x64 is not win32-x64's/.test(p)), linuxSharp.join('\n'));

	const wrongCpu = checkVsix(zip({ ...good, 'extension/node_modules/@img/sharp-win32-x64/lib/libvips-42.dll': pe(0xaa64) }), 'win32-x64').problems;
	assert.deepEqual(wrongCpu, ['extension/node_modules/@img/sharp-win32-x64/lib/libvips-42.dll: built for win32-arm64, not win32-x64']);

	const missing = checkVsix(zip({ 'extension.vsixmanifest': '<Identity TargetPlatform="darwin-arm64"/>', 'extension/x.so.1': 'text' }), 'darwin-arm64').problems;
	assert.ok(missing.includes('extension/x.so.1: named like native code but has no PE, Mach-O or ELF header'));
	assert.ok(missing.some((p) => p.startsWith('no @img/sharp-darwin-arm64 addon')));
	assert.ok(missing.some((p) => p.startsWith('no @img/sharp-libvips-darwin-arm64 library')));
	assert.ok(missing.some((p) => p.startsWith('no onnxruntime-node binding for darwin-arm64')));
	assert.ok(checkVsix(zip(good), 'linux-x64').problems.includes('extension.vsixmanifest declares TargetPlatform win32-x64, not linux-x64'));
});

test('each target asks npm for its own platform\'s optional dependencies and keeps only its onnxruntime binaries', async () => {
	const { npmPlatformFlags, onnxIgnorePatterns } = await packaging();
	assert.deepEqual(npmPlatformFlags('win32-arm64'), ['--os=win32', '--cpu=arm64']);
	assert.deepEqual(npmPlatformFlags('linux-x64'), ['--os=linux', '--cpu=x64', '--libc=glibc']);
	assert.deepEqual(onnxIgnorePatterns('darwin-arm64'), [
		'node_modules/onnxruntime-node/bin/napi-v*/win32/**',
		'node_modules/onnxruntime-node/bin/napi-v*/linux/**',
		'node_modules/onnxruntime-node/bin/napi-v*/darwin/x64/**',
	]);
});

test('built packages (npm run package:all) hold only their own platform\'s native code', async (t) => {
	const { root, TARGETS, vsixName } = await packaging();
	const { checkVsix } = await binaries();
	const built = TARGETS.filter((target) => existsSync(join(root, vsixName(target))));
	if (built.length === 0) {
		t.skip('no lora-workbench-<target>.vsix in the checkout: run npm run package:all first');
		return;
	}
	for (const target of built) {
		const file = join(root, vsixName(target));
		const { problems, natives } = checkVsix(file, target);
		t.diagnostic(`${vsixName(target)}: ${(statSync(file).size / 1e6).toFixed(1)} MB, ${natives.length} native files`);
		assert.deepEqual(problems, [], `${vsixName(target)}:\n${problems.join('\n')}`);
	}
});
