import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CaptionEditorInit, ImageChanged, DocumentChanged } from '../../src/core/protocol/captionEditor';
import { activateExtension, mkdirSeenByVscode, waitFor, writeOutsideVscode } from '../support/extension';
import { makeTrainingFolder, writeImage } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { CaptionEditorView, captionEditor } from '../support/webviews';

const VIEW_TYPE = 'loraWorkbench.captionEditor';

async function readyEditor(uri: vscode.Uri): Promise<CaptionEditorView> {
	const api = await activateExtension();
	return waitFor(`the caption editor on ${uri.fsPath} to be ready`, () => {
		const session = captionEditor(api, uri);
		return session?.ready && session.lastRendered ? session : undefined;
	});
}

function lastOf<T extends { type: string }>(session: CaptionEditorView, type: T['type']): T | undefined {
	return [...session.posted].reverse().find((m) => m.type === type) as T | undefined;
}

/** The image the page shows, once it has a preview or an error. */
function imageOf(session: CaptionEditorView): ImageChanged['image'] | undefined {
	const image = session.image;
	return image && (image.previewSrc || image.error) ? image : undefined;
}

function customTabs(): vscode.Tab[] {
	return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputCustom);
}

async function closeAll(): Promise<void> {
	for (const document of vscode.workspace.textDocuments) {
		if (document.isDirty) {
			await vscode.window.showTextDocument(document);
			await vscode.commands.executeCommand('workbench.action.files.revert');
		}
	}
	await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('caption editor', () => {
	let root: string;
	let faceDir: string;
	const caption = (n: number) => vscode.Uri.file(join(faceDir, `img_00${n}.txt`));

	before(async () => {
		const workspace = testWorkspace();
		assert.ok(workspace, 'runs inside the test workspace');
		// One of its tests needs VS Code's own watcher to see a caption change (VS Code reloads the document).
		await mkdirSeenByVscode(workspace!, join(workspace!, 'caption-editor', 'images', '24_3mm4w4ts0n woman'));
		root = await makeTrainingFolder(workspace!, 'caption-editor', {
			subsets: [{
				repeats: 24, classTokens: '3mm4w4ts0n woman', images: 5, size: [512, 512],
				caption: (i) => [
					'3mm4w4ts0n, 1girl, smile, long hair',
					'smile, 3mm4w4ts0n, solo',
					'3mm4w4ts0n, 1girl, smile',
					undefined,
					'3mm4w4ts0n, solo',
				][i],
			}],
			settingsYaml: 'trigger: 3mm4w4ts0n\nclass: woman\n',
		});
		faceDir = join(root, 'images', '24_3mm4w4ts0n woman');
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});

	afterEach(closeAll);

	it('is the default editor for a caption in a training folder and shows its tags, position and filmstrip', async () => {
		await vscode.commands.executeCommand('vscode.open', caption(1));
		const session = await readyEditor(caption(1));
		const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
		assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === VIEW_TYPE, 'vscode.open opened the caption editor');
		const init = lastOf<CaptionEditorInit>(session, 'init')!;
		assert.deepEqual(init.document.tags.map((t) => [t.text, t.isTrigger]), [['3mm4w4ts0n', true], ['1girl', false], ['smile', false], ['long hair', false]]);
		assert.deepEqual(init.position, { index: 0, count: 5, subset: '24_3mm4w4ts0n woman' });
		assert.deepEqual(init.neighbours.map((n) => [n.index, n.current, n.hasCaption]), [[0, true, true], [1, false, true], [2, false, true], [3, false, false], [4, false, true]]);
		const image = await waitFor('the image preview', () => imageOf(session));
		assert.ok(image.previewSrc && !image.error, 'the image is shown');
		assert.equal(session.lastRendered?.firstLine, '3mm4w4ts0n, 1girl, smile, long hair', 'the webview rendered the caption');
	});

	it('writes each lint problem out with its quick fixes, applies one, and shows the image\'s own problems from the last check (issue 19.8)', async () => {
		await vscode.commands.executeCommand('vscode.openWith', caption(2), VIEW_TYPE);
		const session = await readyEditor(caption(2));
		// The trigger is second: the linter's problem is on the page with the fix Ctrl+. offers in a text editor.
		const withFix = await waitFor('the trigger problem with its quick fix', () => {
			const state = lastOf<DocumentChanged>(session, 'document')?.document ?? lastOf<CaptionEditorInit>(session, 'init')?.document;
			return state?.problems.find((p) => p.code === 'trigger-not-first' && p.fixes.length > 0);
		});
		const textEditorFixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', caption(2), new vscode.Range(0, 0, 1, 0), vscode.CodeActionKind.QuickFix.value);
		assert.ok(withFix.fixes.every((fix) => textEditorFixes.some((a) => a.title === fix.title)), 'the same fixes as in the text editor');
		await session.receive({ type: 'applyFix', id: withFix.fixes[0].id });
		const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === caption(2).toString())!;
		await waitFor('the fix applied', () => document.getText().startsWith('3mm4w4ts0n, '));
		// A stale fix is refused with a notice, never applied to a caption that has changed since (sent at once,
		// as a quick second click would be, before the page has the new state).
		await session.receive({ type: 'applyFix', id: withFix.fixes[0].id });
		assert.match(lastOf<{ type: 'notice'; message: string }>(session, 'notice')?.message ?? '', /changed since that fix was offered/);
		assert.equal(document.lineAt(0).text, '3mm4w4ts0n, smile, solo', 'the fix was applied once');
		await waitFor('the problem gone from the page', () => {
			const state = lastOf<DocumentChanged>(session, 'document')?.document;
			return state?.firstLine === '3mm4w4ts0n, smile, solo' && !state.problems.some((p) => p.code === 'trigger-not-first');
		});

		// The image check's problems on img_002.jpg appear beside the picture once the check publishes them.
		await vscode.commands.executeCommand('loraWorkbench.checkImages', root);
		const image = vscode.Uri.file(join(faceDir, 'img_002.jpg'));
		const published = vscode.languages.getDiagnostics(image).filter((d) => d.source === 'lora').map((d) => d.message);
		assert.ok(published.length > 0, 'a flat colour block has image problems');
		await waitFor('the image problems on the page', () => {
			const shown = lastOf<DocumentChanged>(session, 'document')?.document.imageProblems.map((n) => n.message) ?? [];
			return published.every((m) => shown.some((s) => s.startsWith(m))) && shown.length === published.length;
		});
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});

	it('applies add, remove, reorder and pin intents to the document; undo restores it and save writes it', async () => {
		await vscode.commands.executeCommand('vscode.openWith', caption(2), VIEW_TYPE);
		const session = await readyEditor(caption(2));
		const document = () => session.document;
		await session.receive({ type: 'addTag', tag: 'blue eyes' });
		assert.equal(document().getText(), 'smile, 3mm4w4ts0n, solo, blue eyes');
		await session.receive({ type: 'removeTag', index: 2, tag: 'solo' });
		assert.equal(document().getText(), 'smile, 3mm4w4ts0n, blue eyes');
		await session.receive({ type: 'moveTag', from: 2, to: 0, tag: 'blue eyes' });
		assert.equal(document().getText(), 'blue eyes, smile, 3mm4w4ts0n');
		await session.receive({ type: 'pinTrigger' });
		assert.equal(document().getText(), '3mm4w4ts0n, blue eyes, smile');
		await session.receive({ type: 'editTag', index: 2, tag: 'smile', newText: 'grin' });
		assert.equal(document().getText(), '3mm4w4ts0n, blue eyes, grin');
		assert.ok(document().isDirty);
		await waitFor('the webview to render the edit', () => session.lastRendered?.firstLine === '3mm4w4ts0n, blue eyes, grin');

		// Malformed messages change nothing.
		await session.receive({ type: 'removeTag', index: -1, tag: 'grin' });
		await session.receive({ type: 'setFirstLine', text: 'a\nb' });
		assert.equal(document().getText(), '3mm4w4ts0n, blue eyes, grin');

		// Ctrl+Z in the editor (its keybinding's command): undone back to the saved text, the caption is clean again.
		for (let i = 0; i < 5; i++) {
			await vscode.commands.executeCommand('loraWorkbench.undoCaptionEdit');
		}
		await waitFor('undo to restore the original caption', () => document().getText() === 'smile, 3mm4w4ts0n, solo');
		await waitFor('the caption clean again at its saved text', () => !document().isDirty);
		await vscode.commands.executeCommand('loraWorkbench.redoCaptionEdit');
		await waitFor('redo to re-add the tag', () => document().getText() === 'smile, 3mm4w4ts0n, solo, blue eyes');
		assert.ok(document().isDirty);
		assert.ok(await document().save(), 'saved');
		assert.equal(await fs.readFile(caption(2).fsPath, 'utf8'), 'smile, 3mm4w4ts0n, solo, blue eyes');
	});

	it('shows an external change to the file in the webview', async () => {
		await vscode.commands.executeCommand('vscode.openWith', caption(3), VIEW_TYPE);
		const session = await readyEditor(caption(3));
		await writeOutsideVscode(caption(3).fsPath, '3mm4w4ts0n, changed outside, solo');
		await waitFor('the webview to render the file\'s new text', () => session.lastRendered?.firstLine === '3mm4w4ts0n, changed outside, solo');
		const state = lastOf<DocumentChanged>(session, 'document')!;
		assert.deepEqual(state.document.tags.map((t) => t.text), ['3mm4w4ts0n', 'changed outside', 'solo']);
	});

	it('opens an image without a caption with an empty caption, and creates the file on the first save', async () => {
		const api = await activateExtension();
		const image = vscode.Uri.file(join(faceDir, 'img_004.jpg'));
		const uri = await api.testing.captionEditor.openForImage(image);
		assert.equal(uri.scheme, 'untitled');
		const session = await readyEditor(uri);
		const init = lastOf<CaptionEditorInit>(session, 'init')!;
		assert.equal(init.document.isNew, true);
		assert.deepEqual(init.document.tags, []);
		assert.equal(init.position?.index, 3);
		await assert.rejects(fs.stat(caption(4).fsPath), 'no file before the first save');
		await session.receive({ type: 'pinTrigger' });
		await session.receive({ type: 'addTag', tag: 'solo, looking at viewer' });
		assert.equal(session.document.getText(), '3mm4w4ts0n, solo, looking at viewer');
		await vscode.commands.executeCommand('workbench.action.files.save');
		await waitFor('the caption file to be created', () => fs.readFile(caption(4).fsPath, 'utf8').catch(() => undefined));
		assert.equal(await fs.readFile(caption(4).fsPath, 'utf8'), '3mm4w4ts0n, solo, looking at viewer');
	});

	it('steps through the subset in the same tab, saving the caption it leaves, with undo on the caption shown (issue 19.8)', async () => {
		const api = await activateExtension();
		await writeOutsideVscode(caption(4).fsPath, '3mm4w4ts0n, solo');
		await writeOutsideVscode(caption(5).fsPath, '3mm4w4ts0n, solo');
		const extra = join(faceDir, 'img_006.jpg');
		await writeImage(extra, { width: 512, height: 512 });
		await api.services.trainingFolders.refresh(root);
		try {
			await vscode.commands.executeCommand('vscode.openWith', caption(5), VIEW_TYPE);
			const first = await readyEditor(caption(5));
			await first.receive({ type: 'navigate', to: 'previous' });
			const four = await readyEditor(caption(4));
			assert.equal(lastOf<CaptionEditorInit>(four, 'init')?.position?.index, 3);
			assert.deepEqual(customTabs().map((t) => [(t.input as vscode.TabInputCustom).uri.fsPath, t.label]), [[caption(5).fsPath, 'img_004.txt']],
				'one tab, titled after the caption it shows');

			// An edit of a caption stepped to is saved at once: VS Code would open a dirty file that no editor shows in a
			// second tab of its own 800 ms later.
			await four.receive({ type: 'addTag', tag: 'looking at viewer' });
			assert.equal(four.document.isDirty, false, 'img_004.txt saved with the edit');
			assert.equal(await fs.readFile(caption(4).fsPath, 'utf8'), '3mm4w4ts0n, solo, looking at viewer');
			await vscode.commands.executeCommand('loraWorkbench.nextCaption');
			await readyEditor(caption(5));

			// An image without a caption yet: its caption file is created when the editor steps on.
			await vscode.commands.executeCommand('loraWorkbench.nextCaption');
			const six = await readyEditor(caption(6).with({ scheme: 'lora-new-caption' }));
			assert.equal(lastOf<CaptionEditorInit>(six, 'init')?.document.isNew, true);
			await six.receive({ type: 'addTag', tag: 'smile' });
			await readyEditor(caption(6));
			assert.equal(await fs.readFile(caption(6).fsPath, 'utf8'), 'smile', 'the first edit wrote img_006.txt');
			await vscode.commands.executeCommand('loraWorkbench.nextCaption');
			await readyEditor(caption(1));
			assert.deepEqual(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label), ['img_001.txt'], 'still one tab');

			// Ctrl+Z / Ctrl+Shift+Z / Ctrl+S in the editor act on the caption on screen, not on the tab's first one.
			await vscode.commands.executeCommand('loraWorkbench.previousCaption');
			const again = await readyEditor(caption(6));
			await again.receive({ type: 'addTag', tag: 'red scarf' });
			assert.equal(again.document.getText(), 'smile, red scarf');
			await vscode.commands.executeCommand('loraWorkbench.undoCaptionEdit');
			await waitFor('the undo on img_006.txt, saved', async () => again.document.getText() === 'smile' && !again.document.isDirty && await fs.readFile(caption(6).fsPath, 'utf8') === 'smile');
			await vscode.commands.executeCommand('loraWorkbench.redoCaptionEdit');
			await waitFor('the redo on img_006.txt, saved', async () => again.document.getText() === 'smile, red scarf' && !again.document.isDirty && await fs.readFile(caption(6).fsPath, 'utf8') === 'smile, red scarf');
			assert.equal(await fs.readFile(caption(5).fsPath, 'utf8'), '3mm4w4ts0n, solo', 'the tab\'s own caption was not touched');

			// A change made elsewhere (here a workspace edit, as another extension may make) leaves a caption stepped to
			// unsaved: Ctrl+S in the editor saves it, and closing the tab with such a change keeps it, in the caption's own tab.
			const elsewhere = new vscode.WorkspaceEdit();
			elsewhere.insert(caption(6), new vscode.Position(0, 0), 'blush, ');
			assert.ok(await vscode.workspace.applyEdit(elsewhere));
			assert.equal(again.document.isDirty, true);
			await vscode.commands.executeCommand('loraWorkbench.saveShownCaption');
			await waitFor('img_006.txt saved by Ctrl+S', async () => await fs.readFile(caption(6).fsPath, 'utf8') === 'blush, smile, red scarf');
			const unsaved = new vscode.WorkspaceEdit();
			unsaved.insert(caption(6), new vscode.Position(0, 0), 'outdoors, ');
			assert.ok(await vscode.workspace.applyEdit(unsaved));
			await vscode.window.tabGroups.close(customTabs().find((t) => (t.input as vscode.TabInputCustom).uri.fsPath === caption(5).fsPath)!);
			await waitFor('img_006.txt reopened in its own tab', () => customTabs().some((t) => (t.input as vscode.TabInputCustom).uri.fsPath === caption(6).fsPath && t.isDirty));
		} finally {
			await closeAll();
			await fs.rm(extra, { force: true });
			await fs.rm(caption(6).fsPath, { force: true });
			await api.services.trainingFolders.refresh(root);
		}
	});

	it('never rewrites a caption that is not UTF-8, and says why', async () => {
		const bytes = Buffer.from([0x33, 0x6d, 0x6d, 0x2c, 0x20, 0xe9, 0x74, 0xe9]);
		const file = join(faceDir, 'latin1.txt');
		await fs.writeFile(file, bytes);
		await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
		const session = await readyEditor(vscode.Uri.file(file));
		const init = lastOf<CaptionEditorInit>(session, 'init')!;
		assert.match(init.document.readOnlyReason ?? '', /not valid UTF-8/);
		await session.receive({ type: 'addTag', tag: 'smile' });
		assert.equal(session.document.isDirty, false, 'the intent was refused');
		assert.deepEqual(await fs.readFile(file), bytes);
		await fs.rm(file);
	});

	it('says an image cannot be decoded and still edits its caption; keeps BOM, CRLF and trailing commas', async () => {
		const dir = join(root, 'images', '2_3mm4w4ts0n woman');
		await fs.mkdir(dir, { recursive: true });
		await fs.writeFile(join(dir, 'broken.jpg'), 'not a jpeg');
		const file = join(dir, 'broken.txt');
		await fs.writeFile(file, '\uFEFF3mm4w4ts0n, smile,,\r\nsecond line\r\n');
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
		const session = await readyEditor(vscode.Uri.file(file));
		const image = await waitFor('the image state', () => lastOf<ImageChanged>(session, 'image'));
		assert.match(image.image.error ?? '', /broken\.jpg could not be decoded/);
		const notes = lastOf<CaptionEditorInit>(session, 'init')!.document.notes.map((n) => n.message).join('\n');
		assert.match(notes, /byte order mark/);
		assert.match(notes, /2 lines with text/);
		assert.match(notes, /empty tag/);
		await session.receive({ type: 'addTag', tag: 'solo', index: 1 });
		assert.ok(await session.document.save());
		assert.equal(await fs.readFile(file, 'utf8'), '\uFEFF3mm4w4ts0n, solo, smile,,\r\nsecond line\r\n');
	});

	it('gives the caption language, the trigger token, completion with counts and hover in a text editor', async () => {
		const document = await vscode.workspace.openTextDocument(caption(1));
		await vscode.window.showTextDocument(document);
		await waitFor('the lora-caption language', () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === caption(1).toString())?.languageId === 'lora-caption');
		const tokens = await vscode.commands.executeCommand<vscode.SemanticTokens>('vscode.provideDocumentSemanticTokens', caption(1));
		assert.deepEqual([...tokens.data.slice(0, 5)], [0, 0, 10, 0, 0], 'the trigger word is one token at the line start');
		const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', caption(1), new vscode.Position(0, 12));
		const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
		assert.ok(labels.includes('solo'), `completion offers dataset tags: ${labels.join(', ')}`);
		const smile = list.items.find((i) => typeof i.label !== 'string' && i.label.label === 'smile');
		assert.equal(smile, undefined, 'a tag already in the caption is not offered again');
		const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', caption(1), new vscode.Position(0, 20));
		const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
		assert.match(text, /\*\*smile\*\*/);
		assert.match(text, /In [1-9] of [5-9] images of this dataset/);
	});

	it('turning the default off writes editor associations, turning it on removes them', async () => {
		const config = () => vscode.workspace.getConfiguration();
		await config().update('loraWorkbench.captionEditor.default', false, vscode.ConfigurationTarget.Global);
		await waitFor('the association to the text editor', () => config().inspect<Record<string, string>>('workbench.editorAssociations')?.globalValue?.['**/images/*_*/*.txt'] === 'default');
		await vscode.commands.executeCommand('vscode.open', caption(1));
		await waitFor('a text editor', () => vscode.window.activeTextEditor?.document.uri.toString() === caption(1).toString());
		await config().update('loraWorkbench.captionEditor.default', undefined, vscode.ConfigurationTarget.Global);
		await waitFor('the association to be removed', () => config().inspect<Record<string, string>>('workbench.editorAssociations')?.globalValue?.['**/images/*_*/*.txt'] === undefined);
	});

	it('"Open Caption as Text" replaces the caption editor\'s tab of that caption with a text editor (issue 19.11)', async () => {
		await vscode.commands.executeCommand('vscode.openWith', caption(1), VIEW_TYPE);
		await readyEditor(caption(1));
		await vscode.commands.executeCommand('loraWorkbench.openCaptionAsText', caption(1));
		const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
		const custom = tabs.filter((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === caption(1).fsPath);
		const text = tabs.filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === caption(1).fsPath);
		assert.equal(custom.length, 0, 'no caption editor tab is left for that caption');
		assert.equal(text.length, 1, 'one text tab');
		assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, caption(1).fsPath, 'the text editor is the active one');
	});

	it('the caption editor\'s "Open as Text" button replaces its own tab too, keeping unsaved changes', async () => {
		await vscode.commands.executeCommand('vscode.openWith', caption(3), VIEW_TYPE);
		const session = await readyEditor(caption(3));
		await session.receive({ type: 'addTag', tag: 'blue eyes' });
		const document = await waitFor('the edit in the document', () => vscode.workspace.textDocuments.find((d) => d.uri.fsPath === caption(3).fsPath && d.isDirty));
		await session.receive({ type: 'openAsText' });
		const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath === caption(3).fsPath);
		assert.deepEqual(tabs.map((t) => t.input instanceof vscode.TabInputText ? 'text' : t.input instanceof vscode.TabInputCustom ? 'custom' : 'other'), ['text']);
		const shown = vscode.window.activeTextEditor?.document;
		assert.equal(shown?.uri.fsPath, caption(3).fsPath, 'the text editor is the active one');
		assert.ok(shown.isDirty && shown.getText().includes('blue eyes'), `the unsaved edit is still in the document (dirty ${shown.isDirty}, closed ${document.isClosed}, same ${shown === document}): ${shown.getText()}`);
	});

	it('opens from an image through "Open With" and shows the linter\'s problems on the chips', async () => {
		await writeImage(join(faceDir, 'img_006.jpg'), { width: 512, height: 512, color: [20, 120, 60] });
		await fs.writeFile(caption(6).fsPath, '3mm4w4ts0n, smile, 1boy, smile');
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(join(faceDir, 'img_006.jpg')), 'loraWorkbench.imageCaptionEditor');
		const session = await readyEditor(caption(6));
		const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
		assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === VIEW_TYPE && tab.input.uri.fsPath === caption(6).fsPath, 'the image handed over to the caption editor');
		const state = await waitFor('lint problems on the chips', () => {
			const last = [...session.posted].reverse().find((m) => m.type === 'document' || m.type === 'init') as DocumentChanged | CaptionEditorInit | undefined;
			return last?.document.tags.some((t) => t.problems.length > 0) ? last.document : undefined;
		});
		const lora = vscode.languages.getDiagnostics(caption(6)).filter((d) => d.source === 'lora');
		const onChips = state.tags.flatMap((t) => t.problems.map((p) => `${t.text}: ${p.code}`));
		assert.ok(lora.length > 0, 'the linter reported problems');
		assert.ok(onChips.some((p) => p.startsWith('1boy:')), `the class conflict is on the 1boy chip: ${onChips.join('; ')}`);
	});
});
