/**
 * Fault suite (issue 20), writers: what a killed or concurrent writer leaves behind, and that a rerun
 * repairs it. A kill is simulated at every step boundary by a step hook that never returns: nothing after
 * that point runs, exactly as after SIGKILL (the renames themselves are single atomic syscalls).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, promises as fs, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { captureIo } from '../support/cliIo';
import { sweepStaleTempFiles, writeFileAtomic } from '../../src/core/atomicWrite';
import { planBulkEdit } from '../../src/core/bulkEdit';
import { applyPlanToDisk, readCaptionForEdit } from '../../src/core/bulkEditFiles';
import { applyRenamesJournaled, RENAME_JOURNAL_NAME } from '../../src/core/coverage/renameJournal';
import { renameSubsetKeys } from '../../src/core/coverage/renamePlan';
import { scanTrainingFolder } from '../../src/core/dataset';
import { acquireFolderLock, FolderLockedError, LOCK_FILE_NAME } from '../../src/core/folderLock';

/** Two subsets whose repeats swap (24 <-> 16) plus one plain rename, with roles in the settings file. */
function swapFolder(): { root: string; renames: { from: string; to: string }[]; images: Record<string, string[]> } {
	const root = mkdtempSync(join(tmpdir(), 'faults-rename-'));
	const images: Record<string, string[]> = {};
	for (const [dir, count] of [['24_x woman', 3], ['16_x woman', 2], ['8_x man', 1]] as const) {
		mkdirSync(join(root, 'images', dir), { recursive: true });
		images[dir] = [];
		for (let i = 0; i < count; i++) {
			writeFileSync(join(root, 'images', dir, `${dir}-${i}.png`), '');
			images[dir].push(`${dir}-${i}.png`);
		}
	}
	writeFileSync(join(root, 'lora-workbench.yaml'), '# keep me\ntrigger: x\nsubsets:\n  "images/24_x woman": { role: face }\n  "images/16_x woman": { role: body }\n  "images/8_x man": { role: costume }\n');
	const dir = (name: string) => join(root, 'images', name);
	return { root, images, renames: [{ from: dir('24_x woman'), to: dir('16_x woman') }, { from: dir('16_x woman'), to: dir('24_x woman') }, { from: dir('8_x man'), to: dir('3_x man') }] };
}

function assertFinished(root: string, images: Record<string, string[]>, label: string): void {
	assert.deepEqual(readdirSync(join(root, 'images')).sort(), ['16_x woman', '24_x woman', '3_x man'], `${label}: folders`);
	assert.deepEqual(readdirSync(join(root, 'images', '16_x woman')).sort(), [...images['24_x woman']].sort(), `${label}: the face images moved to 16_`);
	assert.deepEqual(readdirSync(join(root, 'images', '24_x woman')).sort(), [...images['16_x woman']].sort(), `${label}: the body images moved to 24_`);
	const yaml = readFileSync(join(root, 'lora-workbench.yaml'), 'utf8');
	assert.match(yaml, /^# keep me/, label);
	assert.match(yaml, /images\/16_x woman"?: \{ role: face \}/, `${label}: ${yaml}`);
	assert.match(yaml, /images\/24_x woman"?: \{ role: body \}/, `${label}: ${yaml}`);
	assert.match(yaml, /images\/3_x man"?: \{ role: costume \}/, `${label}: ${yaml}`);
	assert.ok(!existsSync(join(root, RENAME_JOURNAL_NAME)), `${label}: journal removed`);
}

test('faults (issue 21.1): renameSubsetKeys swaps two subsets\' keys instead of renaming one twice', () => {
	const { renames } = swapFolder();
	const text = 'subsets:\n  "images/24_x woman": { role: face }\n  "images/16_x woman": { role: body }\n';
	const next = renameSubsetKeys(text, renames.slice(0, 2));
	assert.match(next, /images\/16_x woman"?: \{ role: face \}/);
	assert.match(next, /images\/24_x woman"?: \{ role: body \}/);
});

test('faults (issue 21.1): balance --apply killed at every step is finished by a rerun (folders and yaml keys)', async () => {
	// 1 journal + 3 phase-one + 3 phase-two renames + 1 settings write = 8 steps; a kill after each.
	for (let killAt = 1; killAt <= 8; killAt++) {
		const { root, renames, images } = swapFolder();
		let reached = false;
		const stopped = new Promise<void>((resolve) => {
			void applyRenamesJournaled(root, renames, {
				afterStep: (step) => (step === killAt ? (reached = true, resolve(), new Promise<void>(() => undefined)) : Promise.resolve()),
			});
		});
		await stopped;
		assert.ok(reached);
		// The scan sees what the kill left: the journal, and after phase one the hidden folders.
		const scanned = await scanTrainingFolder(root);
		assert.ok(scanned.warnings.some((w) => w.code === 'interrupted-rename' && w.message.includes('--repair')), `kill at ${killAt}: the scan reports the journal`);
		if (killAt >= 2 && killAt <= 4) {
			assert.ok(scanned.warnings.some((w) => w.code === 'hidden-subset'), `kill at ${killAt}: hidden subset reported`);
		}
		const { io, text } = captureIo(root);
		assert.equal(await runCli(['balance', root, '--repair'], io), 0, text());
		assertFinished(root, images, `kill at ${killAt}`);
		assert.deepEqual((await scanTrainingFolder(root)).warnings.filter((w) => ['interrupted-rename', 'hidden-subset', 'stale-subset-key'].includes(w.code)), []);
	}
});

test('faults (issue 21.1): the scan CLI finishes an interrupted rename; without a journal it names hidden folders and stale keys', async () => {
	const { root, renames, images } = swapFolder();
	await new Promise<void>((resolve) => {
		void applyRenamesJournaled(root, renames, { afterStep: (step) => (step === 3 ? (resolve(), new Promise<void>(() => undefined)) : Promise.resolve()) });
	});
	const { io, err } = captureIo(root);
	await runCli(['scan', root], io);
	assert.match(err.join('\n'), /Finished an interrupted rename/);
	assertFinished(root, images, 'scan');

	// A leftover from before journals: a hidden folder, and a key naming a folder that is gone.
	const other = swapFolder();
	await fs.rename(join(other.root, 'images', '8_x man'), join(other.root, 'images', '.lora-rename-99999-2'));
	const scanned = await scanTrainingFolder(other.root);
	const hidden = scanned.warnings.find((w) => w.code === 'hidden-subset');
	assert.match(hidden?.message ?? '', /\.lora-rename-99999-2 is a subset folder left under a temporary name[^]*sd-scripts skips it[^]*Rename it back/);
	const stale = scanned.warnings.find((w) => w.code === 'stale-subset-key');
	assert.match(stale?.message ?? '', /"images\/8_x man", but there is no such folder/);
});

test('faults (issue 21.2): one lock per training folder; a second bulk writer is refused and writes nothing', async () => {
	const root = mkdtempSync(join(tmpdir(), 'faults-lock-'));
	mkdirSync(join(root, 'images', '10_x woman'), { recursive: true });
	for (let i = 0; i < 5; i++) {
		writeFileSync(join(root, 'images', '10_x woman', `${i}.png`), '');
		writeFileSync(join(root, 'images', '10_x woman', `${i}.txt`), 'x, smile');
	}
	const lock = await acquireFolderLock(root, 'VS Code: Add tag');
	await assert.rejects(acquireFolderLock(root, 'second'), (err: Error) => err instanceof FolderLockedError && /being changed by VS Code: Add tag/.test(err.message));
	const { io, err } = captureIo(root);
	assert.equal(await runCli(['tags', root, '--add', 'hat', '--apply'], io), 1);
	assert.match(err.join('\n'), /Nothing was written: .* is being changed by VS Code: Add tag \(process \d+/);
	assert.equal(readFileSync(join(root, 'images', '10_x woman', '0.txt'), 'utf8'), 'x, smile');
	assert.equal(await runCli(['balance', root, '--steps', '5', '--apply'], captureIo(root).io), 1, 'balance --apply takes the same lock');
	await lock.release();
	assert.ok(!existsSync(join(root, LOCK_FILE_NAME)));

	// A lock left by a killed process (pid that does not exist on this machine) is taken over.
	writeFileSync(join(root, LOCK_FILE_NAME), JSON.stringify({ pid: 2 ** 31 - 2, host: (await import('node:os')).hostname(), what: 'killed', since: 'then' }));
	assert.equal(await runCli(['tags', root, '--add', 'hat', '--apply'], captureIo(root).io), 0);
	assert.equal(readFileSync(join(root, 'images', '10_x woman', '0.txt'), 'utf8'), 'x, hat, smile');
	assert.ok(!existsSync(join(root, LOCK_FILE_NAME)));
});

test('faults (issue 21.2): two bulk writers at once never report an edit as written that is not on disk', async () => {
	const root = mkdtempSync(join(tmpdir(), 'faults-two-writers-'));
	const dir = join(root, 'images', '10_x woman');
	mkdirSync(dir, { recursive: true });
	for (let i = 0; i < 40; i++) {
		writeFileSync(join(dir, `${i}.png`), '');
		writeFileSync(join(dir, `${i}.txt`), 'x, blonde hair, smile');
	}
	const a = captureIo(root);
	const b = captureIo(root);
	const [codeA, codeB] = await Promise.all([
		runCli(['tags', root, '--rename', 'blonde hair', '--to', 'yellow hair', '--apply'], a.io),
		runCli(['tags', root, '--add', 'hat', '--apply'], b.io),
	]);
	const wrote = (io: typeof a) => Number(/Wrote (\d+) caption/.exec(io.out.join('\n'))?.[1] ?? 0);
	const captions = readdirSync(dir).filter((n) => n.endsWith('.txt')).map((n) => readFileSync(join(dir, n), 'utf8'));
	assert.equal(captions.filter((c) => c.includes('yellow hair')).length, wrote(a), `rename: reported ${wrote(a)} (exit ${codeA}) ${a.text()}`);
	assert.equal(captions.filter((c) => c.includes('hat')).length, wrote(b), `add: reported ${wrote(b)} (exit ${codeB}) ${b.text()}`);
	assert.ok([codeA, codeB].includes(1) || (wrote(a) === 40 && wrote(b) === 40), 'one of them was refused, or they ran one after the other');
});

test('faults (issue 21.2): a caption changed on disk between read and write is skipped, not written', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'faults-changed-'));
	const path = join(dir, 'a.txt');
	writeFileSync(path, 'x, smile');
	const plan = planBulkEdit([await readCaptionForEdit(path)], { kind: 'add', tag: 'hat', position: 'end' });
	writeFileSync(path, 'x, frown');
	const applied = await applyPlanToDisk(plan);
	assert.deepEqual(applied.written, []);
	assert.deepEqual(applied.skipped.map((s) => s.reason), ['it was changed on disk after it was read']);
	assert.equal(readFileSync(path, 'utf8'), 'x, frown');
	// The check runs after the temp file is written, right before the rename: a change in that window is caught too.
	writeFileSync(path, 'x, smile');
	const late = await writeFileAtomic(path, 'x, smile, hat', { beforeRename: async () => { writeFileSync(path, 'x, other'); return (await readCaptionForEdit(path)).text === 'x, smile'; } });
	assert.equal(late, false);
	assert.equal(readFileSync(path, 'utf8'), 'x, other');
	assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp left');
});

test('faults (issue 21.5): temp names have a fixed length, so a caption name near 255 bytes can be written', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'faults-long-'));
	const path = join(dir, `${'a'.repeat(240)}.txt`);
	await writeFileAtomic(path, 'x, smile');
	assert.equal(readFileSync(path, 'utf8'), 'x, smile');
	assert.deepEqual(readdirSync(dir), [`${'a'.repeat(240)}.txt`]);
});

test('faults (issue 21.5): stale temp files of killed writers are swept (scan, bulk writes); live ones are kept', async () => {
	const root = mkdtempSync(join(tmpdir(), 'faults-sweep-'));
	const dir = join(root, 'images', '10_x woman');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, '0.png'), '');
	writeFileSync(join(dir, '0.txt'), 'x, smile');
	const dead = join(dir, `.lw-${2 ** 31 - 2}-0123abcd.tmp`);
	const live = join(dir, `.lw-${process.pid}-0123abcd.tmp`);
	const legacyOld = join(dir, '.0.txt.0123456789ab.tmp');
	const legacyNew = join(dir, '.1.txt.0123456789ab.tmp');
	const notOurs = join(dir, 'notes.tmp');
	// In a folder the scan passes over (no repeats): swept too, though the scan does not list it.
	mkdirSync(join(root, 'images', 'extras'));
	const deadIgnored = join(root, 'images', 'extras', `.lw-${2 ** 31 - 2}-4567abcd.tmp`);
	for (const p of [dead, live, legacyOld, legacyNew, notOurs, deadIgnored]) {
		writeFileSync(p, 'half');
	}
	const hourAgo = new Date(Date.now() - 3600_000);
	utimesSync(legacyOld, hourAgo, hourAgo);
	const { io, err } = captureIo(root);
	await runCli(['scan', root], io);
	assert.match(err.join('\n'), /Removed 3 temp files left by interrupted writes/);
	assert.deepEqual([dead, live, legacyOld, legacyNew, notOurs, deadIgnored].map((p) => existsSync(p)), [false, true, false, true, true, false]);
	writeFileSync(dead, 'half');
	const applied = await applyPlanToDisk(planBulkEdit([await readCaptionForEdit(join(dir, '0.txt'))], { kind: 'add', tag: 'hat', position: 'end' }));
	assert.deepEqual(applied.sweptTemps, [dead]);
	assert.deepEqual(await sweepStaleTempFiles([dir]), []);
});

test('faults (issue 21.6): one unreadable caption does not abort tags --apply: it is skipped and named', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'faults-unreadable-'));
	// A directory where a caption should be reads as EISDIR, whoever runs the test (root ignores chmod 000).
	mkdirSync(join(dir, 'broken.txt'));
	writeFileSync(join(dir, 'good.txt'), 'x, smile');
	const broken = await readCaptionForEdit(join(dir, 'broken.txt'));
	assert.match(broken.skip ?? '', /cannot be read \(EISDIR\)/);
	const plan = planBulkEdit([broken, await readCaptionForEdit(join(dir, 'good.txt'))], { kind: 'add', tag: 'hat', position: 'end' });
	assert.match(plan.summary, /1 caption will change; 1 caption cannot be edited/);
	assert.deepEqual(plan.skipped.map((s) => s.path), [join(dir, 'broken.txt')]);
	assert.deepEqual((await applyPlanToDisk(plan)).written, [join(dir, 'good.txt')]);

	// Through the CLI, with a caption its user cannot read (skipped when running as root, which reads anything).
	if (process.getuid?.() === 0) {
		return;
	}
	const root = mkdtempSync(join(tmpdir(), 'faults-unreadable-cli-'));
	const subset = join(root, 'images', '10_x woman');
	mkdirSync(subset, { recursive: true });
	for (let i = 0; i < 3; i++) {
		writeFileSync(join(subset, `${i}.png`), '');
		writeFileSync(join(subset, `${i}.txt`), 'x, smile');
	}
	await fs.chmod(join(subset, '1.txt'), 0);
	const { io, out, err } = captureIo(root);
	assert.equal(await runCli(['tags', root, '--add', 'hat', '--apply'], io), 1);
	assert.match(out.join('\n'), /Wrote 2 caption/);
	assert.match(err.join('\n'), /Skipped .*1\.txt: it cannot be read \(permission denied\)/);
});

/** Runs TypeScript in a child Node process (through tsx), as a second writer or a process to kill. */
function child(code: string): ChildProcess {
	return spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: join(__dirname, '..', '..'), stdio: ['pipe', 'pipe', 'inherit'] });
}

function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
	return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

test('faults (issue 21.1): a balance rename whose process is SIGKILLed mid-way is finished by balance --repair', async () => {
	for (const killAt of [3, 5]) {
		const { root, renames, images } = swapFolder();
		const proc = child(`
			const { applyRenamesJournaled } = require('./src/core/coverage/renameJournal');
			applyRenamesJournaled(${JSON.stringify(root)}, ${JSON.stringify(renames)}, {
				afterStep: async (step) => { if (step === ${killAt}) { process.kill(process.pid, 'SIGKILL'); } },
			});`);
		assert.equal((await exited(proc)).signal, 'SIGKILL');
		assert.ok(existsSync(join(root, RENAME_JOURNAL_NAME)), 'the killed process left its journal');
		const { io, text } = captureIo(root);
		assert.equal(await runCli(['balance', root, '--repair'], io), 0, text());
		assertFinished(root, images, `SIGKILL at step ${killAt}`);
	}
});

test('faults (issue 21.2): a bulk writer in another process holds the lock: tags --apply is refused naming it', async () => {
	const root = mkdtempSync(join(tmpdir(), 'faults-lock-process-'));
	mkdirSync(join(root, 'images', '10_x woman'), { recursive: true });
	writeFileSync(join(root, 'images', '10_x woman', '0.png'), '');
	writeFileSync(join(root, 'images', '10_x woman', '0.txt'), 'x, smile');
	const holder = child(`
		const { acquireFolderLock } = require('./src/core/folderLock');
		acquireFolderLock(${JSON.stringify(root)}, 'lora-workbench tags (other process)').then((lock) => {
			process.stdout.write('locked\\n');
			process.stdin.once('data', () => lock.release().then(() => process.exit(0)));
		});`);
	await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
	const { io, err } = captureIo(root);
	assert.equal(await runCli(['tags', root, '--add', 'hat', '--apply'], io), 1);
	assert.match(err.join('\n'), new RegExp(`being changed by lora-workbench tags \\(other process\\) \\(process ${holder.pid} `));
	assert.equal(readFileSync(join(root, 'images', '10_x woman', '0.txt'), 'utf8'), 'x, smile');
	holder.stdin!.write('go\n');
	assert.equal((await exited(holder)).code, 0);
	assert.equal(await runCli(['tags', root, '--add', 'hat', '--apply'], captureIo(root).io), 0);
});

test('faults (issue 21.1): rerunning the same balance --apply after a kill finishes the job', async () => {
	const root = mkdtempSync(join(tmpdir(), 'faults-rerun-'));
	for (const [dir, count] of [['24_x woman', 4], ['16_x woman', 2]] as const) {
		mkdirSync(join(root, 'images', dir), { recursive: true });
		for (let i = 0; i < count; i++) {
			writeFileSync(join(root, 'images', dir, `${i}.png`), '');
			writeFileSync(join(root, 'images', dir, `${i}.txt`), 'x, 1girl');
		}
	}
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: x\nsubsets:\n  "images/24_x woman": { role: face }\n  "images/16_x woman": { role: body }\n');
	const renames = [{ from: join(root, 'images', '24_x woman'), to: join(root, 'images', '2_x woman') }, { from: join(root, 'images', '16_x woman'), to: join(root, 'images', '1_x woman') }];
	await new Promise<void>((resolve) => {
		void applyRenamesJournaled(root, renames, { afterStep: (step) => (step === 3 ? (resolve(), new Promise<void>(() => undefined)) : Promise.resolve()) });
	});
	const { io, text } = captureIo(root);
	assert.equal(await runCli(['balance', root, '--steps', '100', '--epochs', '10', '--apply'], io), 0, text());
	assert.match(text(), /Finished an interrupted rename/);
	assert.deepEqual(readdirSync(join(root, 'images')).sort(), ['1_x woman', '2_x woman']);
	const yaml = readFileSync(join(root, 'lora-workbench.yaml'), 'utf8');
	assert.match(yaml, /images\/2_x woman"?: \{ role: face \}/);
	assert.match(yaml, /images\/1_x woman"?: \{ role: body \}/);
	assert.ok(!existsSync(join(root, RENAME_JOURNAL_NAME)));
});
