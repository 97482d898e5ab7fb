/**
 * Fault suite (issue 20): bad input fed to the commands that read files. Each case builds a small training folder
 * (or a file) with one bad thing in it and runs the commands that read it: the exit code must be 0 or 1 (not a
 * crash or a hang), no stack trace may be shown, the commands named in `mention` must name the bad file in their
 * output, and a reading command must change nothing on disk (`tag --mode skip` may only add captions).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { writeImage } from '../support/fixtures';
import { CaseResult } from './kills';
import { AsUser, runCliProcess, stackTrace, unprivilegedRunner } from './process';

type Command = 'scan' | 'check' | 'lint' | 'tags' | 'coverage' | 'tag' | 'crop' | 'inspect' | 'log' | 'config';

export interface BadInputCase {
	name: string;
	/** Run by --quick too. */
	quick?: boolean;
	/**
	 * Builds the input under `dir`. `folder`: the training folder the folder commands read; `file`: the file that
	 * crop, inspect, log and config --kohya get; `mention`: the name the messages must carry.
	 */
	build(dir: string): Promise<{ folder?: string; file?: string; mention?: string; locked?: string }>;
	commands: Command[];
	/** Commands whose output must name the bad file (`mention`). */
	mention?: Command[];
	/**
	 * `locked` (a file or folder) is made unreadable (chmod 000). Root reads it all the same, so as root the commands
	 * run as `nobody` (setpriv or runuser) on a copy that user owns; the case is skipped, with a note, when neither works.
	 */
	unreadable?: boolean;
}

export interface BadInputEnv { model: string; kohyaPreset: string }

const SUBSET = '10_3mm4w4ts0n woman';
const FOLDER_COMMANDS: Command[] = ['scan', 'check', 'lint', 'tags', 'coverage', 'tag'];
const CAPTION_COMMANDS: Command[] = ['scan', 'lint', 'tags', 'coverage', 'tag'];

/** A small training folder (3 good images with captions) to put one bad thing into; returns the subset folder. */
async function baseFolder(dir: string): Promise<{ root: string; subset: string }> {
	const root = join(dir, 'folder');
	const subset = join(root, 'images', SUBSET);
	await fs.mkdir(subset, { recursive: true });
	for (let i = 0; i < 3; i++) {
		await writeImage(join(subset, `good_${i}.jpg`), { width: 64, height: 64, color: [40 * i, 100, 200 - 40 * i] });
		await fs.writeFile(join(subset, `good_${i}.txt`), '3mm4w4ts0n, woman, smile\n');
	}
	await fs.writeFile(join(root, 'lora-workbench.yaml'), 'trigger: 3mm4w4ts0n\nclass: woman\n');
	return { root, subset };
}

/** A PNG that declares width x height but holds almost no data (a decompression bomb by its header). */
function pngDeclaring(width: number, height: number): Buffer {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) { c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; }
		return c >>> 0;
	});
	const crc = (buf: Buffer) => {
		let c = 0xffffffff;
		for (const byte of buf) { c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8); }
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type: string, data: Buffer) => {
		const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const out = Buffer.alloc(8 + data.length + 4);
		out.writeUInt32BE(data.length, 0);
		body.copy(out, 4);
		out.writeUInt32BE(crc(body), 8 + data.length);
		return out;
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1])), chunk('IEND', Buffer.alloc(0))]);
}

async function sharpOf() {
	return (await import('sharp')).default;
}

/** An image case: a bad image (without a caption) in the subset; crop gets the image itself. */
function imageCase(name: string, fileName: string, make: () => Promise<Buffer>, options: { quick?: boolean; mention?: Command[] } = {}): BadInputCase {
	return {
		name, quick: options.quick,
		build: async (dir) => {
			const { root, subset } = await baseFolder(dir);
			const file = join(subset, fileName);
			await fs.writeFile(file, await make());
			// No caption, so that tag --mode skip reads the image too.
			return { folder: root, file, mention: fileName };
		},
		commands: [...FOLDER_COMMANDS, 'crop'],
		mention: options.mention,
	};
}

/** A caption case: one caption with these bytes beside a good image. */
function captionCase(name: string, bytes: Buffer, options: { quick?: boolean; mention?: Command[] } = {}): BadInputCase {
	return {
		name, quick: options.quick,
		build: async (dir) => {
			const { root, subset } = await baseFolder(dir);
			await writeImage(join(subset, 'odd.jpg'), { width: 64, height: 64, color: [200, 50, 50] });
			await fs.writeFile(join(subset, 'odd.txt'), bytes);
			return { folder: root, mention: 'odd.txt' };
		},
		commands: CAPTION_COMMANDS,
		mention: options.mention,
	};
}

function fileCase(name: string, command: 'inspect' | 'log' | 'config', fileName: string, bytes: () => Buffer, options: { quick?: boolean; mention?: boolean } = {}): BadInputCase {
	return {
		name, quick: options.quick,
		build: async (dir) => {
			const file = join(dir, fileName);
			await fs.mkdir(dir, { recursive: true });
			await fs.writeFile(file, bytes());
			const folder = command === 'config' ? (await baseFolder(dir)).root : undefined;
			return { folder, file, mention: fileName };
		},
		commands: [command],
		mention: options.mention === false ? [] : [command],
	};
}

function safetensors(headerLength: bigint, header: string, tail = Buffer.alloc(0)): Buffer {
	const length = Buffer.alloc(8);
	length.writeBigUInt64LE(headerLength);
	return Buffer.concat([length, Buffer.from(header, 'utf8'), tail]);
}

const GOOD_HEADER = JSON.stringify({ __metadata__: { ss_network_dim: '32' }, 'lora.weight': { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });

export function badInputCases(): BadInputCase[] {
	const img = ['check', 'crop', 'tag'] as Command[];
	return [
		imageCase('truncated jpg', 'truncated.jpg', async () => (await (await sharpOf())({ create: { width: 256, height: 256, channels: 3, background: '#369' } }).jpeg().toBuffer()).subarray(0, 300), { quick: true, mention: img }),
		imageCase('zero-byte png', 'empty.png', async () => Buffer.alloc(0), { quick: true, mention: img }),
		imageCase('.jpg that is text', 'text.jpg', async () => Buffer.from('this is not an image\n'), { mention: img }),
		imageCase('bomb 30000x30000 declared', 'bomb30k.png', async () => pngDeclaring(30000, 30000), { quick: true, mention: img }),
		imageCase('bomb 100000x100000 declared', 'bomb100k.png', async () => pngDeclaring(100000, 100000), { mention: img }),
		imageCase('CMYK jpg', 'cmyk.jpg', async () => (await sharpOf())({ create: { width: 64, height: 64, channels: 3, background: '#c84' } }).toColourspace('cmyk').jpeg().toBuffer(), { mention: ['check'] }),
		imageCase('16-bit png', 'deep.png', async () => (await sharpOf())({ create: { width: 64, height: 64, channels: 3, background: '#c84' } }).toColourspace('rgb16').png().toBuffer(), { mention: ['check'] }),
		imageCase('grayscale png', 'gray.png', async () => (await sharpOf())({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).toColourspace('b-w').png().toBuffer()),
		imageCase('animated webp', 'anim.webp', async () => {
			const sharp = await sharpOf();
			const frame = (c: string) => sharp({ create: { width: 32, height: 32, channels: 3, background: c } }).png().toBuffer();
			return sharp([await frame('#f00'), await frame('#00f')], { join: { animated: true } }).webp().toBuffer();
		}, { mention: ['check'] }),
		imageCase('animated gif', 'anim.gif', async () => {
			const sharp = await sharpOf();
			const frame = (c: string) => sharp({ create: { width: 32, height: 32, channels: 3, background: c } }).png().toBuffer();
			return sharp([await frame('#f00'), await frame('#00f'), await frame('#0f0')], { join: { animated: true } }).gif({ delay: [100, 100, 100], loop: 0 }).toBuffer();
		}, { mention: ['scan', 'check'] }),
		imageCase('HEIC saved as .jpg', 'phone.jpg', async () => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(200, 7)]), { mention: img }),
		imageCase('EXIF-rotated jpg', 'rotated.jpg', async () => (await sharpOf())({ create: { width: 96, height: 64, channels: 3, background: '#4a8' } }).withMetadata({ orientation: 6 }).jpeg().toBuffer()),
		imageCase('8000x8000 valid jpg', 'huge.jpg', async () => (await sharpOf())({ create: { width: 8000, height: 8000, channels: 3, background: '#4a8' } }).jpeg({ quality: 50 }).toBuffer()),
		captionCase('caption in Latin-1', Buffer.from('3mm4w4ts0n, caf\xe9, cr\xe8me\n', 'latin1'), { quick: true, mention: ['scan', 'lint', 'tags'] }),
		captionCase('caption UTF-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('3mm4w4ts0n, smile\n', 'utf16le')]), { mention: ['scan', 'lint', 'tags'] }),
		captionCase('caption UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('3mm4w4ts0n, smile\n')])),
		captionCase('caption CRLF', Buffer.from('3mm4w4ts0n, smile\r\n')),
		captionCase('caption empty', Buffer.alloc(0), { quick: true, mention: ['scan', 'lint'] }),
		// sd-scripts trains on an empty first line here (only a file without lines stops it), so only the linter speaks.
		captionCase('caption whitespace only', Buffer.from('  \t \n'), { mention: ['lint'] }),
		captionCase('caption multi-line', Buffer.from('3mm4w4ts0n, smile\nsecond line, ignored\n'), { mention: ['lint'] }),
		captionCase('caption 100 KB single line', Buffer.from(`3mm4w4ts0n, ${Array.from({ length: 10000 }, (_, i) => `tag${i}`).join(', ')}`.slice(0, 100_000))),
		captionCase('caption with NUL bytes', Buffer.from('3mm4w4ts0n,\0 smile\0\n'), { quick: true, mention: ['lint'] }),
		{
			name: 'symlink loops', quick: true,
			build: async (dir) => {
				const { root, subset } = await baseFolder(dir);
				await fs.symlink(subset, join(subset, 'loop'));
				await fs.symlink(join(root, 'images'), join(root, 'images', '5_3mm4w4ts0n loop'));
				return { folder: root };
			},
			commands: FOLDER_COMMANDS,
		},
		{
			name: 'unreadable caption (chmod 000)', quick: true, unreadable: true,
			build: async (dir) => {
				const { root, subset } = await baseFolder(dir);
				await writeImage(join(subset, 'locked.jpg'), { width: 64, height: 64, color: [200, 50, 50] });
				await fs.writeFile(join(subset, 'locked.txt'), '3mm4w4ts0n, smile\n');
				return { folder: root, mention: 'locked.txt', locked: join(subset, 'locked.txt') };
			},
			commands: CAPTION_COMMANDS,
			// tag --mode skip leaves a captioned image alone without reading its caption.
			mention: ['scan', 'lint', 'tags', 'coverage'],
		},
		{
			name: 'unreadable image (chmod 000)', unreadable: true,
			build: async (dir) => {
				const { root, subset } = await baseFolder(dir);
				const file = join(subset, 'locked.jpg');
				await writeImage(file, { width: 64, height: 64, color: [200, 50, 50] });
				// No caption, so that tag --mode skip reads the image too.
				return { folder: root, file, mention: 'locked.jpg', locked: file };
			},
			commands: [...FOLDER_COMMANDS, 'crop'],
			// The commands that read images; lint, tags and coverage read captions only.
			mention: ['scan', 'check', 'tag', 'crop'],
		},
		{
			name: 'unreadable subset folder (chmod 000)', unreadable: true,
			build: async (dir) => {
				const { root } = await baseFolder(dir);
				const locked = join(root, 'images', '5_3mm4w4ts0n locked');
				await fs.mkdir(locked);
				await writeImage(join(locked, 'x.jpg'), { width: 64, height: 64 });
				await fs.writeFile(join(locked, 'x.txt'), '3mm4w4ts0n, smile\n');
				return { folder: root, mention: '5_3mm4w4ts0n locked', locked };
			},
			commands: FOLDER_COMMANDS,
			mention: FOLDER_COMMANDS,
		},
		{
			name: 'a subset that is a file',
			build: async (dir) => {
				const { root } = await baseFolder(dir);
				await fs.writeFile(join(root, 'images', '7_3mm4w4ts0n woman'), 'not a folder');
				return { folder: root };
			},
			commands: FOLDER_COMMANDS,
		},
		{
			name: '0_, 10_ and abc_def folders', quick: true,
			build: async (dir) => {
				const { root } = await baseFolder(dir);
				for (const name of ['0_3mm4w4ts0n skip', '10_', 'abc_def']) {
					await fs.mkdir(join(root, 'images', name));
					await writeImage(join(root, 'images', name, 'x.jpg'), { width: 64, height: 64 });
				}
				return { folder: root, mention: 'abc_def' };
			},
			commands: FOLDER_COMMANDS,
			mention: ['scan'],
		},
		{
			name: 'path over 4,000 characters',
			build: async (dir) => {
				let deep = dir;
				while (deep.length < 3990) { deep = join(deep, 'd'.repeat(Math.min(200, 3990 - deep.length))); }
				const { root } = await baseFolder(deep);
				return { folder: root };
			},
			commands: FOLDER_COMMANDS,
		},
		{
			name: 'names with spaces, quotes, $(), backticks, HTML, newline', quick: true,
			build: async (dir) => {
				const { root, subset } = await baseFolder(dir);
				const stem = 'a "b" \'c\' $(touch pwned) `touch pwned2` <img src=x onerror=alert(1)>\nline2';
				await writeImage(join(subset, `${stem}.jpg`), { width: 64, height: 64, color: [10, 200, 90] });
				await fs.writeFile(join(subset, `${stem}.txt`), '3mm4w4ts0n, <b>bold</b>, $(rm -rf /)\n');
				return { folder: root };
			},
			commands: FOLDER_COMMANDS,
		},
		fileCase('safetensors header past end of file', 'inspect', 'past.safetensors', () => safetensors(5000n, GOOD_HEADER), { quick: true }),
		fileCase('safetensors negative header length', 'inspect', 'negative.safetensors', () => safetensors(0xffff_ffff_ffff_fff0n, GOOD_HEADER)),
		fileCase('safetensors 100 MB header claim', 'inspect', 'huge.safetensors', () => safetensors(100_000_000n, GOOD_HEADER), { quick: true }),
		fileCase('safetensors non-JSON header', 'inspect', 'garbage.safetensors', () => safetensors(20n, 'this is {{ not json!')),
		fileCase('safetensors truncated (5 bytes)', 'inspect', 'short.safetensors', () => Buffer.from([1, 2, 3, 4, 5])),
		fileCase('safetensors non-string metadata', 'inspect', 'meta.safetensors', () => {
			const header = JSON.stringify({ __metadata__: { ss_network_dim: 32, ss_tag_frequency: { a: 1 }, ss_x: null }, 'w': { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
			return safetensors(BigInt(Buffer.byteLength(header)), header, Buffer.alloc(8));
		}, { mention: false }),
		fileCase('log of binary garbage', 'log', 'garbage.log', () => Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256)), { quick: true, mention: false }),
		fileCase('log with a 10 MB line', 'log', 'long.log', () => Buffer.from(`${'x'.repeat(10_000_000)}\nsteps:  10%|#  | 10/100 [00:10<01:30, 1.00it/s, avr_loss=0.123]\n`), { mention: false }),
		fileCase('log with partial tqdm frames', 'log', 'tqdm.log', () => Buffer.from('running training / 学習開始\n  num train images * repeats / 学習画像の数×繰り返し回数: 100\nsteps:   1%|          | 1/100 [00:01<01:39, 1.00it/s, avr_loss=0.1\rsteps:   2%|2         | 2/10'), { mention: false }),
		fileCase('log with mixed encodings', 'log', 'mixed.log', () => Buffer.concat([Buffer.from('epoch 1/10 \u5b66\u7fd2\n'), Buffer.from('caf\xe9 loss\n', 'latin1'), Buffer.from([0xff, 0xfe, 0x41, 0]), Buffer.from('\nsteps:  10%| | 10/100 [00:10<01:30, 1.00it/s, avr_loss=0.2]\n')]), { mention: false }),
		fileCase('log with NaN losses', 'log', 'nan.log', () => Buffer.from('steps:  10%| | 10/100 [00:10<01:30, 1.00it/s, avr_loss=nan]\nsteps:  20%| | 20/100 [00:20<01:20, 1.00it/s, avr_loss=NaN]\nsteps:  30%| | 30/100 [00:30<01:10, 1.00it/s, avr_loss=inf]\n'), { mention: false }),
		fileCase('kohya config with wrong types', 'config', 'wrong-types.json', () => Buffer.from(JSON.stringify({ epoch: 'ten', learning_rate: [1], network_dim: { a: 1 }, train_batch_size: -3, max_resolution: 'big', LoRA_type: 7, optimizer: null })), { quick: true }),
		fileCase('kohya config with unknown keys', 'config', 'unknown-keys.json', () => Buffer.from(JSON.stringify({ epoch: 2, no_such_key: 1, 'weird key "x"': 'y' })), { mention: false }),
		fileCase('kohya config that is not JSON', 'config', 'broken.json', () => Buffer.from('{"epoch": 2,,')),
		fileCase('kohya config that is a JSON array', 'config', 'array.json', () => Buffer.from('[1, 2, 3]')),
	];
}

function argsFor(command: Command, input: { folder?: string; file?: string }, dir: string, env: BadInputEnv): string[] | undefined {
	switch (command) {
		case 'tag': return input.folder ? ['tag', input.folder, '--model', env.model, '--mode', 'skip'] : undefined;
		case 'crop': return input.file ? ['crop', input.file, '--size', '512x512', '--out', join(dir, 'crop-out.png')] : undefined;
		case 'inspect': case 'log': return input.file ? [command, input.file] : undefined;
		case 'config': return input.folder && input.file ? ['config', input.folder, '--out', join(dir, 'run'), '--kohya', input.file] : undefined;
		default: return input.folder ? [command, input.folder] : undefined;
	}
}

/** sha1 per file (symlinks by their target) under `dir`, without following links; what cannot be read, by its mode. */
function fileHashes(dir: string, into = new Map<string, string>(), root = dir): Map<string, string> {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		into.set(relative(root, dir), `unreadable folder ${lstatSync(dir).mode}`);
		return into;
	}
	for (const name of names) {
		const path = join(dir, name);
		const stat = lstatSync(path);
		if (stat.isDirectory()) {
			fileHashes(path, into, root);
		} else {
			let hash: string;
			try {
				hash = stat.isSymbolicLink() ? 'link' : createHash('sha1').update(readFileSync(path)).digest('hex');
			} catch {
				hash = `unreadable ${stat.mode}`;
			}
			into.set(relative(root, path), hash);
		}
	}
	return into;
}

/**
 * Where an `unreadable` case runs. Not root: in place, as this user. Root: in a new folder under the system temp
 * folder, owned by `nobody` with the model copied into it, the commands run as `nobody`; undefined (skip) when no
 * runner works or on Windows (no chmod 000 there).
 */
async function unreadableSetup(env: BadInputEnv): Promise<{ base?: string; asUser?: AsUser; env: BadInputEnv; skip?: string }> {
	if (process.platform === 'win32') {
		return { env, skip: 'skipped: chmod 000 does not make a file unreadable on Windows' };
	}
	if (process.getuid?.() !== 0) {
		return { env };
	}
	const base = mkdtempSync(join(tmpdir(), 'lw-faults-nobody-'));
	const asUser = unprivilegedRunner(base);
	if (!asUser) {
		await fs.rm(base, { recursive: true, force: true });
		return { env, skip: 'skipped: running as root, where chmod 000 has no effect, and neither setpriv nor runuser could run a command as nobody' };
	}
	await fs.cp(env.model, join(base, 'model'), { recursive: true });
	return { base, asUser, env: { ...env, model: join(base, 'model') } };
}

function chownTo(user: string, path: string): void {
	const chown = spawnSync('chown', ['-R', `${user}:`, path], { encoding: 'utf8' });
	if (chown.status !== 0) {
		throw new Error(`chown -R ${user}: ${path} failed: ${chown.stderr}`);
	}
}

export async function runBadInputCase(kase: BadInputCase, work: string, env: BadInputEnv, log: (line: string) => void): Promise<CaseResult> {
	const result: CaseResult = { name: kase.name, tried: 0, handled: 0, crashed: 0, lost: 0, notes: [] };
	const unreadable = kase.unreadable ? await unreadableSetup(env) : undefined;
	if (unreadable?.skip) {
		result.notes.push(unreadable.skip);
		log(`bad input: ${kase.name}: ${unreadable.skip}`);
		return result;
	}
	const dir = join(unreadable?.base ?? work, kase.name.replace(/[^a-z0-9]+/gi, '-'));
	await fs.mkdir(dir, { recursive: true });
	const input = await kase.build(dir);
	const asUser = unreadable?.asUser;
	if (asUser && unreadable.base) {
		chownTo(asUser.user, unreadable.base);
		result.notes.push(`run as ${asUser.user} (${asUser.prefix[0]}): chmod 000 does not stop root`);
	}
	if (input.locked) { await fs.chmod(input.locked, 0o000); }
	try {
		await runCommands(kase, input, dir, unreadable?.env ?? env, result, asUser);
	} finally {
		if (input.locked) { await fs.chmod(input.locked, (await fs.stat(input.locked)).isDirectory() ? 0o755 : 0o644); }
		if (unreadable?.base) { await fs.rm(unreadable.base, { recursive: true, force: true }); }
	}
	log(`bad input: ${kase.name}: ${result.handled}/${result.tried} handled`);
	return result;
}

async function runCommands(kase: BadInputCase, input: Awaited<ReturnType<BadInputCase['build']>>, dir: string, env: BadInputEnv, result: CaseResult, asUser: AsUser | undefined): Promise<void> {
	for (const command of kase.commands) {
		const args = argsFor(command, input, dir, env);
		if (!args) { continue; }
		const watched = input.folder ?? dir;
		const before = fileHashes(watched);
		const run = await runCliProcess(args, dir, { timeoutMs: 120_000, asUser });
		result.tried++;
		const output = run.stdout + run.stderr;
		const after = fileHashes(watched);
		const changed = [...before].filter(([path, hash]) => after.get(path) !== hash).map(([path]) => path);
		if (command !== 'tag' && command !== 'crop' && command !== 'config') {
			changed.push(...[...after.keys()].filter((path) => !before.has(path)));
		}
		const trace = stackTrace(output);
		const crashed = run.timedOut || run.signal !== null || (run.code !== 0 && run.code !== 1) || trace !== undefined;
		const named = !kase.mention?.includes(command) || !input.mention || output.includes(input.mention) || output.includes(basename(input.mention));
		if (crashed) {
			result.crashed++;
			result.notes.push(`${command}: ${run.timedOut ? 'timed out' : `exit ${run.code ?? run.signal}`}${trace ? `, stack trace: ${trace}` : ''}: ${run.stderr.trim().split('\n')[0]?.slice(0, 200)}`);
		}
		if (changed.length) {
			result.lost++;
			result.notes.push(`${command} changed ${changed.slice(0, 3).join(', ')}`);
		}
		if (!named) {
			result.notes.push(`${command} exit ${run.code}: the output does not name ${input.mention}: ${output.trim().split('\n').slice(0, 2).join(' / ').slice(0, 200)}`);
		}
		if (!crashed && !changed.length && named) { result.handled++; }
	}
	for (const pwned of ['pwned', 'pwned2']) {
		if (existsSync(join(dir, pwned)) || existsSync(join(input.folder ?? dir, pwned))) {
			result.lost++;
			result.notes.push(`a file name ran as a shell command (${pwned} was created)`);
		}
	}
}
