import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { buildMeanColourModel, selectedTagsCsv } from '../support/onnxBuilder';
import { testWorkspace } from '../support/paths';
import { canControlPage, elementTexts, screenshot, waitForElement } from '../support/screenshot';

/**
 * Auto-tag inside a real VS Code, with a tiny WD14-shaped model configured as a local folder model.
 * Scores: solo and 1boy always, never_shown never, so the expected captions are known without the tagger.
 */
describe('auto-tag images (WD14 tagger)', function () {
	this.timeout(300_000);
	let root: string;
	let faceDir: string;
	let bodyDir: string;
	const config = () => vscode.workspace.getConfiguration('loraWorkbench.tagger');

	before(async () => {
		const modelDir = mkdtempSync(join(tmpdir(), 'tagger-it-model-'));
		await fs.writeFile(join(modelDir, 'model.onnx'), buildMeanColourModel({
			tagCount: 7,
			weights: Array.from({ length: 7 }, () => [0, 0, 0]),
			bias: [0, 0, 0, 0, 5, 5, -5],
		}));
		await fs.writeFile(join(modelDir, 'selected_tags.csv'), selectedTagsCsv(['solo', '1boy', 'never_shown']));
		root = await makeTrainingFolder(testWorkspace() ?? mkdtempSync(join(tmpdir(), 'tagger-it-ws-')), 'tagger-emma', {
			subsets: [
				{ repeats: 24, classTokens: '3mm4w4ts0n woman', images: 3, size: [512, 512], caption: (i) => (i === 0 ? 'hand written, portrait' : undefined) },
				{ repeats: 16, classTokens: '3mm4w4ts0n woman body', images: 2, size: [512, 768] },
			],
			settingsYaml: 'trigger: 3mm4w4ts0n\nclass: woman\n',
		});
		faceDir = join(root, 'images', '24_3mm4w4ts0n woman');
		bodyDir = join(root, 'images', '16_3mm4w4ts0n woman body');
		await config().update('modelPath', modelDir, vscode.ConfigurationTarget.Global);
		await config().update('existingCaptions', 'overwrite', vscode.ConfigurationTarget.Global);
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});

	after(async () => {
		await config().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
		await config().update('existingCaptions', undefined, vscode.ConfigurationTarget.Global);
	});

	it('tags one subset from the dataset tree: trigger first, the model\'s tags, other subsets untouched', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.autoTagImages', { kind: 'subset', root, dir: faceDir });
		for (const name of ['img_001', 'img_002', 'img_003']) {
			assert.equal(await fs.readFile(join(faceDir, `${name}.txt`), 'utf8'), '3mm4w4ts0n, solo, 1boy\n', name);
		}
		await assert.rejects(fs.access(join(bodyDir, 'img_001.txt')), 'the other subset was not tagged');
		const run = api.testing.autoTag.lastRun!;
		assert.equal(run.summary.tagged, 3);
		assert.equal(run.summary.tagsPerImage.average, 2);
		assert.deepEqual(run.summary.topTags.map((t) => t.tag).sort(), ['1boy', 'solo']);
		assert.ok(run.lint, `the linter ran (${run.lintNote})`);
		assert.ok(run.lint.byCode.some((c) => c.code === 'class-conflict' && c.count === 3), `1boy on a woman is reported: ${JSON.stringify(run.lint.byCode)}`);
	});

	it('appends to selected images only, and Undo restores what was there', async () => {
		const api = await activateExtension();
		await config().update('existingCaptions', 'append', vscode.ConfigurationTarget.Global);
		await fs.writeFile(join(bodyDir, 'img_001.txt'), 'standing, solo\n');
		const selected = ['img_001.jpg', 'img_002.jpg'].map((name) => ({ kind: 'image', root, dir: bodyDir, path: join(bodyDir, name) }));
		await vscode.commands.executeCommand('loraWorkbench.autoTagImages', selected[0], selected);
		assert.equal(await fs.readFile(join(bodyDir, 'img_001.txt'), 'utf8'), '3mm4w4ts0n, standing, solo, 1boy\n');
		assert.equal(await fs.readFile(join(bodyDir, 'img_002.txt'), 'utf8'), '3mm4w4ts0n, solo, 1boy\n');
		const restored = await api.testing.autoTag.undo(api.testing.autoTag.lastRun!);
		assert.equal(restored, 2);
		assert.equal(await fs.readFile(join(bodyDir, 'img_001.txt'), 'utf8'), 'standing, solo\n');
		await assert.rejects(fs.access(join(bodyDir, 'img_002.txt')), 'a caption the run created is removed again');
	});

	it('append skips a caption that is not UTF-8, naming it; a caption open in an editor is changed through the editor', async () => {
		const api = await activateExtension();
		await config().update('existingCaptions', 'append', vscode.ConfigurationTarget.Global);
		const latin1 = Buffer.from('caf\xe9, standing\n', 'latin1');
		await fs.writeFile(join(bodyDir, 'img_001.txt'), latin1);
		await fs.writeFile(join(bodyDir, 'img_002.txt'), 'sitting\n');
		// An editor with unsaved changes: the tagger appends to what the editor holds, and leaves it unsaved.
		const dirty = await vscode.workspace.openTextDocument(join(bodyDir, 'img_002.txt'));
		const typed = new vscode.WorkspaceEdit();
		typed.insert(dirty.uri, new vscode.Position(0, 0), 'smiling, ');
		assert.ok(await vscode.workspace.applyEdit(typed));
		// An editor without unsaved changes: changed through the editor and saved.
		await fs.writeFile(join(faceDir, 'img_002.txt'), 'portrait\n');
		const clean = await vscode.workspace.openTextDocument(join(faceDir, 'img_002.txt'));
		assert.equal(clean.getText(), 'portrait\n');
		const selected = ['img_001.jpg', 'img_002.jpg'].map((name) => ({ kind: 'image', root, dir: bodyDir, path: join(bodyDir, name) }));
		await vscode.commands.executeCommand('loraWorkbench.autoTagImages', selected[0], selected);
		assert.deepEqual(await fs.readFile(join(bodyDir, 'img_001.txt')), latin1, 'the Latin-1 caption is left byte for byte');
		const run = api.testing.autoTag.lastRun!;
		assert.deepEqual(run.result.problems.map((p) => p.file), [join(bodyDir, 'img_001.txt')]);
		assert.match(run.result.problems[0].message, /img_001\.txt is not UTF-8 \(byte 0xE9 at offset 3; probably Latin-1 or Windows-1252\), so .*img_001\.jpg was not tagged \(appending would garble it\)\. Re-save the caption as UTF-8/);
		assert.equal(dirty.getText(), '3mm4w4ts0n, smiling, sitting, solo, 1boy\n', 'appended to the editor\'s text, unsaved changes included');
		assert.ok(dirty.isDirty, 'left unsaved: the user\'s changes are theirs to save');
		assert.equal(await fs.readFile(join(bodyDir, 'img_002.txt'), 'utf8'), 'sitting\n');

		await vscode.commands.executeCommand('loraWorkbench.autoTagImages', { kind: 'image', root, dir: faceDir, path: join(faceDir, 'img_002.jpg') });
		assert.equal(clean.getText(), '3mm4w4ts0n, portrait, solo, 1boy\n');
		assert.ok(!clean.isDirty, 'saved');
		assert.equal(await fs.readFile(join(faceDir, 'img_002.txt'), 'utf8'), '3mm4w4ts0n, portrait, solo, 1boy\n');
		assert.equal(await api.testing.autoTag.undo(api.testing.autoTag.lastRun!), 1);
		assert.equal(clean.getText(), 'portrait\n', 'Undo goes through the editor too');
		assert.equal(await fs.readFile(join(faceDir, 'img_002.txt'), 'utf8'), 'portrait\n');
		await dirty.save();
	});

	it('an image URI from the explorer works, and a broken model folder is named', async () => {
		await config().update('existingCaptions', 'overwrite', vscode.ConfigurationTarget.Global);
		const image = vscode.Uri.file(join(bodyDir, 'img_002.jpg'));
		await vscode.commands.executeCommand('loraWorkbench.autoTagImages', image);
		assert.equal(await fs.readFile(join(bodyDir, 'img_002.txt'), 'utf8'), '3mm4w4ts0n, solo, 1boy\n');

		const api = await activateExtension();
		const before = api.testing.autoTag.lastRun;
		const empty = mkdtempSync(join(tmpdir(), 'tagger-it-empty-'));
		const previous = config().get<string>('modelPath');
		await config().update('modelPath', empty, vscode.ConfigurationTarget.Global);
		try {
			const result = await vscode.commands.executeCommand('loraWorkbench.autoTagImages', image);
			assert.equal(result, undefined, 'no run without a usable model');
			assert.equal(api.testing.autoTag.lastRun, before);
		} finally {
			await config().update('modelPath', previous, vscode.ConfigurationTarget.Global);
		}
	});

	it('works offline: "Use a Local Folder…" checks the folder and writes the setting where it applies; "Download it now?" is modal and holds no run; a mirror is written likewise', async () => {
		const api = await activateExtension();
		const modelDir = config().get<string>('modelPath')!;
		const before = config().inspect<string>('modelPath');
		try {
			// A folder without the model's files is refused, naming what is missing; the setting stays.
			const empty = mkdtempSync(join(tmpdir(), 'tagger-it-nofiles-'));
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.useLocalTaggerFolder', empty), undefined);
			assert.equal(config().inspect<string>('modelPath')?.globalValue, before?.globalValue);
			// No folder or workspace value: the user (in a remote window, the Remote) settings.
			await config().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.useLocalTaggerFolder', modelDir), modelDir);
			assert.equal(config().inspect<string>('modelPath')?.globalValue, modelDir);
			// A workspace value would win over the user's: the folder goes there, so it is the one used.
			await config().update('modelPath', '/nowhere', vscode.ConfigurationTarget.Workspace);
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.useLocalTaggerFolder', modelDir), modelDir);
			assert.equal(config().inspect<string>('modelPath')?.workspaceValue, modelDir);
			assert.equal(config().get<string>('modelPath'), modelDir);
			await config().update('modelPath', undefined, vscode.ConfigurationTarget.Workspace);

			// Without a model folder or a downloaded model the run asks, modally (VS Code refuses dialogs under test and
			// says what it would have asked); the run then ends, so the next one is not "already running".
			await config().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
			await config().update('model', 'SmilingWolf/wd-vit-tagger-v3', vscode.ConfigurationTarget.Global);
			const image = vscode.Uri.file(join(faceDir, 'img_001.jpg'));
			const runBefore = api.testing.autoTag.lastRun;
			for (let i = 0; i < 2; i++) {
				await assert.rejects(Promise.resolve(vscode.commands.executeCommand('loraWorkbench.autoTagImages', image)),
					/refused to show dialog in tests\. Contents: Auto-tagging needs the WD14 model SmilingWolf\/wd-vit-tagger-v3\. Download it now\?/);
			}
			assert.equal(api.testing.autoTag.lastRun, runBefore, 'nothing was tagged');

			// A mirror: an http(s) address, trailing slash dropped, written where the endpoint applies.
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.useTaggerMirror', 'ftp://mirror.example'), undefined);
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.useTaggerMirror', 'http://127.0.0.1:9/'), 'http://127.0.0.1:9');
			assert.equal(config().inspect<string>('endpoint')?.globalValue, 'http://127.0.0.1:9');
		} finally {
			await config().update('endpoint', undefined, vscode.ConfigurationTarget.Global);
			await config().update('model', undefined, vscode.ConfigurationTarget.Global);
			await config().update('modelPath', undefined, vscode.ConfigurationTarget.Workspace);
			await config().update('modelPath', before?.globalValue, vscode.ConfigurationTarget.Global);
		}
	});

	it('downloads from a mirror (a local server here); a failed download offers "Use a Local Folder…" and "Use a Mirror…"', async () => {
		const model = Buffer.from(buildMeanColourModel({ tagCount: 3, weights: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], bias: [5, 5, -5] }));
		const files: Record<string, Buffer> = { 'model.onnx': model, 'selected_tags.csv': Buffer.from(selectedTagsCsv(['solo'])) };
		const served: string[] = [];
		const server = createServer((req, res) => {
			served.push(`${req.method} ${req.url}`);
			const match = /^\/lw-test\/mini-tagger\/resolve\/main\/([^/?]+)/.exec(req.url ?? '');
			const body = match ? files[match[1]] : undefined;
			if (!body) {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, { 'content-length': body.length });
			res.end(req.method === 'HEAD' ? undefined : body);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		try {
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.useTaggerMirror', mirror), mirror);
			const dir = await vscode.commands.executeCommand<string | undefined>('loraWorkbench.downloadTaggerModel', 'lw-test/mini-tagger');
			assert.ok(dir, `downloaded from the mirror (${served.join(', ')})`);
			assert.ok((await fs.readFile(join(dir, 'model.onnx'))).equals(model));
			assert.ok(served.some((line) => line.startsWith('GET /lw-test/mini-tagger/resolve/main/selected_tags.csv')), served.join(', '));

			// A repository the mirror does not have: the run ends, and the message offers the offline ways.
			assert.equal(await vscode.commands.executeCommand('loraWorkbench.downloadTaggerModel', 'lw-test/not-there'), undefined);
			if (canControlPage()) {
				await vscode.commands.executeCommand('notifications.showList');
				const item = '.notification-list-item:has-text("Could not download lw-test/not-there")';
				await waitForElement(item);
				const buttons = (await elementTexts(`${item} .monaco-button`)).map((t) => t.trim());
				assert.deepEqual(buttons, ['Use a Local Folder…', 'Use a Mirror…']);
				await screenshot('tagger-download-failed');
				await vscode.commands.executeCommand('notifications.hideList');
			}
		} finally {
			server.close();
			await config().update('endpoint', undefined, vscode.ConfigurationTarget.Global);
		}
	});
});
