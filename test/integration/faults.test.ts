/**
 * Fault suite (issue 20), inside VS Code: a bulk edit with files changing underneath (or not UTF-8) completes
 * file by file with a partial result and respects the training folder's lock; Balance Repeats finishes a rename
 * a killed process left; a caption saved from the caption editor while a bulk edit runs is kept; the Tags view
 * shows tag names as text.
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BulkOperation, planBulkEdit } from '../../src/core/bulkEdit';
import { applyRenamesJournaled, RENAME_JOURNAL_NAME } from '../../src/core/coverage/renameJournal';
import type { BalanceProposal } from '../../src/core/coverage/balance';
import { acquireFolderLock, LOCK_FILE_NAME } from '../../src/core/folderLock';
import type { TagRow, TagTable } from '../../src/core/tagStats';
import type { BulkEditOutcome } from '../../src/providers/bulkEdit';
import { BulkApplyStep, applyBulkPlan, readCaptionsForBulk } from '../../src/providers/bulkEditApply';
import { tagItem } from '../../src/providers/tagsViewNodes';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { CaptionEditorView, captionEditor } from '../support/webviews';

describe('faults: writers in VS Code under changing files, locks and interrupted renames; Tags view tooltips', () => {
	let folderCount = 0;
	let root: string;
	let dir: string;
	const caption = (n: number) => join(dir, `img_00${n}.txt`);

	beforeEach(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		const workspace = testWorkspace();
		assert.ok(workspace, 'runs inside the test workspace');
		// A new folder per test: recreating the same files from outside VS Code would race VS Code's reload of the
		// documents the last test left open, and a bulk edit rightly skips a caption whose editor is stale.
		const name = `faults-bulk-${++folderCount}`;
		root = join(workspace!, name);
		await makeTrainingFolder(workspace!, name, {
			subsets: [{ repeats: 10, classTokens: 'fx7 woman', images: 6, size: [64, 64], caption: (i) => `fx7, 1girl, pose ${i + 1}` }],
			settingsYaml: 'trigger: fx7\nclass: woman\n',
		});
		dir = join(root, 'images', '10_fx7 woman');
		await (await activateExtension()).services.trainingFolders.refresh(root);
	});

	it('files changed, deleted or reopened underneath are left alone one by one; the rest are changed and one undo reverts them', async () => {
		const paths = [1, 2, 3, 4, 5, 6].map(caption);
		// The first three are open in VS Code, as when the user has them in editors.
		await Promise.all(paths.slice(0, 3).map((p) => vscode.workspace.openTextDocument(p)));
		const plan = planBulkEdit(await readCaptionsForBulk(paths), { kind: 'add', tag: 'red hat', position: 'end' });
		assert.equal(plan.changes.length, 6);
		// Underneath: an open caption rewritten on disk, a closed one rewritten, one deleted.
		// Whether or not VS Code has reloaded the open document yet, the edit must leave this caption alone.
		await fs.writeFile(caption(1), 'fx7, changed by another program');
		await fs.writeFile(caption(4), 'fx7, changed too');
		await fs.rm(caption(5));
		const result = await applyBulkPlan(plan);
		assert.deepEqual(result.applied.sort(), [caption(2), caption(3), caption(6)].sort());
		assert.deepEqual(result.skipped.map((s) => s.path).sort(), [caption(1), caption(4), caption(5)].sort());
		assert.ok(result.skipped.every((s) => /changed|deleted/.test(s.reason)), JSON.stringify(result.skipped));
		assert.equal(await fs.readFile(caption(2), 'utf8'), 'fx7, 1girl, pose 2, red hat');
		assert.equal(await fs.readFile(caption(1), 'utf8'), 'fx7, changed by another program', 'the other program\'s text survives');

		await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(caption(2)));
		await vscode.commands.executeCommand('undo');
		const docs = await Promise.all([2, 3, 6].map((n) => vscode.workspace.openTextDocument(caption(n))));
		await waitFor('the changed captions to be back', () => docs.every((d, i) => d.getText() === `fx7, 1girl, pose ${[2, 3, 6][i]}`));
	});

	/** The extension's bulk edit over the subset, held at `holdAt` (its step hook) until `go()`. */
	async function heldBulkEdit(operation: BulkOperation, holdAt: BulkApplyStep) {
		let go!: () => void;
		const release = new Promise<void>((resolve) => { go = resolve; });
		let reached!: () => void;
		const held = new Promise<void>((resolve) => { reached = resolve; });
		const outcome = Promise.resolve(vscode.commands.executeCommand<BulkEditOutcome | undefined>('loraWorkbench.bulkEdit', {
			root, operation, images: [1, 2, 3, 4, 5, 6].map((n) => join(dir, `img_00${n}.jpg`)),
			afterStep: (step: BulkApplyStep) => (step === holdAt ? (reached(), release) : Promise.resolve()),
		}));
		await Promise.race([held, outcome.then((o) => { throw new Error(`the bulk edit ended before ${holdAt}: ${JSON.stringify(o)}`); })]);
		return { go, outcome };
	}

	async function openCaptionEditor(n: number): Promise<CaptionEditorView> {
		const uri = vscode.Uri.file(caption(n));
		await vscode.commands.executeCommand('vscode.openWith', uri, 'loraWorkbench.captionEditor');
		const api = await activateExtension();
		return waitFor(`the caption editor on ${uri.fsPath} to be ready`, () => {
			const session = captionEditor(api, uri);
			return session?.ready && session.lastRendered ? session : undefined;
		});
	}

	/** `.lw-*.tmp` files anywhere under the training folder. */
	async function tempFiles(): Promise<string[]> {
		const found: string[] = [];
		const walk = async (at: string) => {
			for (const entry of await fs.readdir(at, { withFileTypes: true })) {
				if (entry.isDirectory()) { await walk(join(at, entry.name)); } else if (/^\.lw-.*\.tmp$/.test(entry.name)) { found.push(join(at, entry.name)); }
			}
		};
		await walk(root);
		return found;
	}

	for (const holdAt of ['checking', 'saving'] as const) {
		const when = holdAt === 'checking' ? 'after the captions were read, before they are checked and changed' : 'after the one WorkspaceEdit, before the captions are saved';
		it(`a caption saved from the caption editor while a bulk edit is held ${when} keeps the editor's text; the others are before or after, byte for byte`, async () => {
			const operation: BulkOperation = { kind: 'rename', from: '1girl', to: 'solo woman' };
			const paths = [1, 2, 3, 4, 5, 6].map(caption);
			const before = await Promise.all(paths.map((p) => fs.readFile(p, 'utf8')));
			const after = planBulkEdit(before.map((text, i) => ({ path: paths[i], text })), operation).changes.map((c) => c.after);
			assert.equal(after.length, 6);
			const editor = await openCaptionEditor(3);
			const { go, outcome } = await heldBulkEdit(operation, holdAt);
			// Held: the editor shows what its document holds now (the bulk change too once the WorkspaceEdit is in).
			const shown = holdAt === 'saving' ? after[2] : before[2];
			await waitFor('the caption editor to show the held edit\'s state', () => editor.lastRendered?.firstLine === shown);
			await editor.receive({ type: 'addTag', tag: 'blue eyes' });
			const saved = `${shown}, blue eyes`;
			assert.equal(editor.document.getText(), saved);
			assert.ok(await editor.document.save(), 'the caption editor saved');
			assert.equal(await fs.readFile(caption(3), 'utf8'), saved);
			go();
			const result = await outcome;
			assert.ok(result, 'the bulk edit returns its outcome');
			for (const [i, path] of paths.entries()) {
				const disk = await fs.readFile(path);
				if (i === 2) {
					// Held before the checks, the editor's save is what the edit finds: it leaves the caption alone. Held after
					// the WorkspaceEdit, the editor edited the document that already held the change: editor text plus bulk change.
					assert.deepEqual(disk, Buffer.from(saved), `${path} holds the editor's saved text`);
				} else {
					assert.deepEqual(disk, Buffer.from(after[i]), `${path} holds the edit's after state`);
				}
			}
			assert.deepEqual(result.applied.sort(), paths.filter((_, i) => i !== 2).sort());
			assert.deepEqual(result.skipped.map((s) => s.path), [caption(3)], `the result names the caption it left: ${JSON.stringify(result.skipped)}`);
			assert.match(result.skipped[0].reason, /changed/);
			assert.deepEqual(await tempFiles(), [], 'no temp files are left');
			assert.ok(!existsSync(join(root, LOCK_FILE_NAME)), 'the lock is released');
			assert.ok(!editor.document.isDirty, 'the caption editor\'s document is saved');
		});
	}

	it('a bulk edit while another writer holds the training folder changes nothing and says who holds it', async () => {
		const lock = await acquireFolderLock(root, 'lora-workbench tags --apply');
		try {
			const outcome = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', { root, operation: { kind: 'add', tag: 'hat', position: 'end' }, scope: 'all' });
			assert.deepEqual(outcome.applied, []);
			assert.equal(outcome.skipped.length, 6);
			assert.equal(await fs.readFile(caption(1), 'utf8'), 'fx7, 1girl, pose 1');
		} finally {
			await lock.release();
		}
		const outcome = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', { root, operation: { kind: 'add', tag: 'hat', position: 'end' }, scope: 'all' });
		assert.equal(outcome.applied.length, 6, `once the lock is released the edit goes through: ${JSON.stringify(outcome.skipped)}`);
	});

	it('a caption that is not UTF-8 is counted apart in the preview and named as skipped; the others are edited', async () => {
		await fs.writeFile(caption(3), Buffer.from('fx7, caf\xe9\n', 'latin1'));
		await (await activateExtension()).services.trainingFolders.refresh(root);
		const outcome = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', { root, operation: { kind: 'add', tag: 'hat', position: 'end' }, scope: 'all' });
		assert.match(outcome.summary, /5 captions will change; 1 caption cannot be edited \(not UTF-8 or unreadable\)/);
		assert.equal(outcome.applied.length, 5);
		assert.deepEqual(outcome.skipped.map((s) => s.path), [caption(3)]);
		assert.match(outcome.skipped[0].reason, /not UTF-8/);
		assert.deepEqual(await fs.readFile(caption(3)), Buffer.from('fx7, caf\xe9\n', 'latin1'), 'left byte for byte');
	});

	it('Balance Repeats finishes a rename a killed process left, then applies its own', async () => {
		// A journal as a killed `balance --apply` leaves it: the first subset is under its temporary name.
		const body = join(root, 'images', '4_fx7 woman body');
		await fs.mkdir(body);
		await fs.writeFile(join(body, 'b.png'), await fs.readFile(join(dir, 'img_001.jpg')));
		await fs.writeFile(join(root, 'lora-workbench.yaml'), 'trigger: fx7\nclass: woman\nsubsets:\n  "images/10_fx7 woman": { role: face }\n  "images/4_fx7 woman body": { role: body }\n');
		await new Promise<void>((resolve) => {
			void applyRenamesJournaled(root, [{ from: dir, to: join(root, 'images', '12_fx7 woman') }], {
				afterStep: (step) => (step === 2 ? (resolve(), new Promise<void>(() => undefined)) : Promise.resolve()),
			});
		});
		assert.ok(existsSync(join(root, RENAME_JOURNAL_NAME)));
		const proposal = await vscode.commands.executeCommand<BalanceProposal>('loraWorkbench.balanceRepeats', { root, budgetSteps: 300, epochs: 10 });
		assert.ok(proposal, 'the command returns its proposal');
		assert.ok(!existsSync(join(root, RENAME_JOURNAL_NAME)), 'the journal is gone');
		const names = (await fs.readdir(join(root, 'images'))).sort();
		assert.ok(names.every((n) => !n.startsWith('.lora-')), `no subset is left hidden: ${names.join(', ')}`);
		const yaml = await fs.readFile(join(root, 'lora-workbench.yaml'), 'utf8');
		assert.ok(names.every((n) => yaml.includes(`images/${n}`)), `every subset has its key:\n${yaml}`);
		assert.ok(!existsSync(join(root, LOCK_FILE_NAME)), 'the lock is released');
	});

	it('Tags view tooltips show tag and subset names as text, not Markdown or HTML', () => {
		const label = '<img src=x onerror=alert(1)> **bold** $(alert)';
		const row: TagRow = { key: label, label, count: 1, share: 1, perSubset: [1], inEveryImage: false, singleImage: true };
		const table: TagTable = { subsets: [{ name: '10_<b>x</b> woman', role: 'face', isReg: false, images: 1, captioned: 1 }], totalImages: 1, captionedImages: 1, rows: [row], byKey: new Map([[label, row]]) };
		const item = tagItem({ kind: 'tag', root: '/x', tag: label, key: label }, row, table);
		const tooltip = item.tooltip as vscode.MarkdownString;
		assert.ok(!tooltip.supportHtml && !tooltip.supportThemeIcons, 'no HTML, no theme icons');
		assert.doesNotMatch(tooltip.value, /<img\s|<b>x/, tooltip.value);
		assert.match(tooltip.value, /\\\*\\\*bold\\\*\\\*/, 'Markdown syntax is escaped');
	});
});
