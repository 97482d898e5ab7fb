import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BalanceProposal } from '../../src/core/coverage/balance';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { canControlPage, click, countElements, elementTexts, pressKey, screenshot, waitForElement } from '../support/screenshot';
import type { BulkEditOutcome } from '../../src/providers/bulkEdit';
import { galleryPanel } from '../support/webviews';

describe('coverage and balance', () => {
	let root: string;

	before(async () => {
		root = await makeTrainingFolder(testWorkspace()!, 'balance-folder', {
			subsets: [
				{ repeats: 24, classTokens: 'b4l4nc3 woman', images: 8, size: [512, 512], caption: (i) => `b4l4nc3, 1girl, ${i ? 'looking at viewer' : 'from side'}, portrait` },
				{ repeats: 16, classTokens: 'b4l4nc3 woman', images: 3, size: [512, 768], caption: (i) => `b4l4nc3, 1girl, ${i ? 'cowboy shot' : 'full body, standing'}` },
			],
			settingsYaml: '# my notes\ntrigger: b4l4nc3\nclass: woman\nsubsets:\n  "images/24_b4l4nc3 woman": { role: face }\n  "images/16_b4l4nc3 woman": { role: body }\n',
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});

	it('reports coverage problems on the subsets in Problems', async () => {
		const faceDir = vscode.Uri.file(join(root, 'images', '24_b4l4nc3 woman'));
		const bodyDir = vscode.Uri.file(join(root, 'images', '16_b4l4nc3 woman'));
		const codes = await waitFor('coverage problems', () => {
			const found = [...vscode.languages.getDiagnostics(faceDir), ...vscode.languages.getDiagnostics(bodyDir)].map((d) => String(d.code)).sort();
			return found.length >= 2 ? found : undefined;
		});
		assert.deepEqual(codes, ['few-full-body', 'one-angle']);
	});

	it('applies balanced repeats as renames that one undo restores', async () => {
		const api = await activateExtension();
		const proposal = await vscode.commands.executeCommand<BalanceProposal>('loraWorkbench.balanceRepeats', { root, budgetSteps: 300, epochs: 10 });
		assert.ok(proposal, 'the command returns its proposal');
		assert.equal(proposal.totalStepsBefore, 10 * (8 * 24 + 3 * 16));
		const face = proposal.rows.find((r) => r.name === '24_b4l4nc3 woman')!;
		const body = proposal.rows.find((r) => r.name === '16_b4l4nc3 woman')!;
		assert.equal(proposal.totalStepsAfter, 10 * (8 * face.repeatsAfter + 3 * body.repeatsAfter));
		const newFace = join(root, 'images', `${face.repeatsAfter}_b4l4nc3 woman`);
		const newBody = join(root, 'images', `${body.repeatsAfter}_b4l4nc3 woman`);
		assert.ok(existsSync(newFace) && existsSync(newBody), 'both subsets were renamed');
		assert.ok(!existsSync(join(root, 'images', '24_b4l4nc3 woman')));
		const yaml = readFileSync(join(root, 'lora-workbench.yaml'), 'utf8');
		assert.match(yaml, new RegExp(`"?images/${face.repeatsAfter}_b4l4nc3 woman"?: \\{ role: face \\}`), `the roles follow the renamed folders:\n${yaml}`);
		assert.match(yaml, /^# my notes/, 'comments survive');
		await waitFor('the tree service to see the new names', () => api.services.trainingFolders.get(root)?.subsets.some((s) => s.repeats === face.repeatsAfter));

		// The edit spans several resources, so VS Code asks whether to undo it in all of them: answer with Enter.
		await vscode.window.showTextDocument(vscode.Uri.file(join(root, 'lora-workbench.yaml')));
		const undone = Promise.resolve(vscode.commands.executeCommand('undo'));
		if (canControlPage()) {
			// Whichever comes first: VS Code's dialog (answered with Enter) or the undo itself. Looked for while the undo
			// runs, not with the page control's own wait, which went on for a minute after the undo and was logged as slow.
			let finished = false;
			void undone.then(() => { finished = true; }, () => { finished = true; });
			const seen = await waitFor('VS Code\'s undo dialog or the undo itself', async () => (finished ? 'undone' : (await countElements('.monaco-dialog-box')) > 0 ? 'dialog' : undefined));
			if (seen === 'dialog') {
				await pressKey('Enter');
			}
		}
		await undone;
		await waitFor('the undo to restore the folder names', () => existsSync(join(root, 'images', '24_b4l4nc3 woman')) && existsSync(join(root, 'images', '16_b4l4nc3 woman')));
		assert.ok(!existsSync(newFace));
		await waitFor('the settings file to be restored', () => /"images\/24_b4l4nc3 woman": \{ role: face \}/.test(readFileSync(join(root, 'lora-workbench.yaml'), 'utf8'))
			|| /"images\/24_b4l4nc3 woman"/.test(vscode.workspace.textDocuments.find((d) => d.uri.fsPath.endsWith('balance-folder/lora-workbench.yaml'))?.getText() ?? ''));
	});

	it('carries the kept originals and the last bulk edit\'s undo along with renamed subsets, and says how to undo', async () => {
		const api = await activateExtension();
		const records = await makeTrainingFolder(testWorkspace()!, 'balance-records', {
			subsets: [
				{ repeats: 20, classTokens: 'r3c0rd woman', images: 4, size: [512, 512], caption: () => 'r3c0rd, 1girl, portrait' },
				{ repeats: 10, classTokens: 'r3c0rd woman', images: 2, size: [512, 768], caption: () => 'r3c0rd, 1girl, cowboy shot' },
			],
			settingsYaml: 'trigger: r3c0rd\nclass: woman\nsubsets:\n  "images/20_r3c0rd woman": { role: face }\n  "images/10_r3c0rd woman": { role: body }\n',
		});
		// What "Crop Wrong-Size Images" leaves: the original kept under originals/<subset folder>/.
		const oldFace = join(records, 'images', '20_r3c0rd woman');
		await fs.mkdir(join(records, 'originals', '20_r3c0rd woman'), { recursive: true });
		await fs.copyFile(join(records, 'images', '10_r3c0rd woman', 'img_001.jpg'), join(records, 'originals', '20_r3c0rd woman', 'img_001.jpg'));
		const original = readFileSync(join(records, 'originals', '20_r3c0rd woman', 'img_001.jpg'));
		await api.services.trainingFolders.refresh(records);

		const edit = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', { root: records, operation: { kind: 'add', tag: 'smile', position: 'end' }, scope: 'all' });
		assert.equal(edit?.applied.length, 6, 'the bulk edit changed every caption');
		assert.equal(readFileSync(join(oldFace, 'img_002.txt'), 'utf8'), 'r3c0rd, 1girl, portrait, smile');

		const proposal = await vscode.commands.executeCommand<BalanceProposal>('loraWorkbench.balanceRepeats', { root: records, budgetSteps: 100, epochs: 10 });
		const face = proposal!.rows.find((r) => r.name === '20_r3c0rd woman')!;
		assert.notEqual(face.repeatsAfter, 20, 'the face subset is renamed');
		const newFace = join(records, 'images', `${face.repeatsAfter}_r3c0rd woman`);
		assert.ok(existsSync(newFace) && !existsSync(oldFace));
		assert.ok(existsSync(join(records, 'originals', `${face.repeatsAfter}_r3c0rd woman`, 'img_001.jpg')), 'the kept original followed its subset');
		assert.ok(!existsSync(join(records, 'originals', '20_r3c0rd woman')), 'no originals folder is left under the old name');
		if (canControlPage()) {
			// Toasts may be held back (Do Not Disturb in the test profile): the notification centre lists them all.
			await vscode.commands.executeCommand('notifications.showList');
			await waitForElement('.notification-list-item-message:has-text("Balance Repeats: renamed")');
			await screenshot('balance-renamed-notification');
			const texts = await elementTexts('.notification-list-item-message');
			const shown = texts.find((t) => t.includes('Balance Repeats: renamed'));
			assert.match(shown ?? '', /their originals\/ folders went with them\. To undo: Undo here, or Ctrl\+Z in lora-workbench\.yaml/, `the notification says how to undo: ${texts.join(' | ')}`);
			await vscode.commands.executeCommand('notifications.hideList');
		}
		await waitFor('the service to see the new names', () => api.services.trainingFolders.get(records)?.subsets.some((s) => s.dir === newFace));

		// Restore Original Image finds the original under the subset's new name.
		await vscode.commands.executeCommand('loraWorkbench.restoreOriginalImage', vscode.Uri.file(join(newFace, 'img_001.jpg')));
		await waitFor('the original to be restored', () => readFileSync(join(newFace, 'img_001.jpg')).equals(original));

		// Undo Last Bulk Tag Edit reverts the captions where they are now, not under the old paths.
		assert.equal(await vscode.commands.executeCommand<boolean>('loraWorkbench.undoBulkEdit'), true, 'the undo ran');
		await waitFor('the captions to lose the tag', () => readFileSync(join(newFace, 'img_002.txt'), 'utf8') === 'r3c0rd, 1girl, portrait');
		const body = proposal!.rows.find((r) => r.name === '10_r3c0rd woman')!;
		assert.equal(readFileSync(join(records, 'images', `${body.repeatsAfter}_r3c0rd woman`, 'img_002.txt'), 'utf8'), 'r3c0rd, 1girl, cowboy shot');

		if (canControlPage()) {
			// The notification's Undo renames the subsets back, settings keys included.
			await vscode.commands.executeCommand('notifications.showList');
			await click('.notification-list-item:has-text("20_r3c0rd woman →") .monaco-button:has-text("Undo")');
			await waitFor('the subsets to get their names back', () => existsSync(oldFace) && !existsSync(newFace));
			await waitFor('the settings keys to follow', () => /"?images\/20_r3c0rd woman"?: \{ role: face \}/.test(readFileSync(join(records, 'lora-workbench.yaml'), 'utf8')), 10_000).catch((err: Error) => {
				throw new Error(`${err.message}:\n${readFileSync(join(records, 'lora-workbench.yaml'), 'utf8')}`);
			});
			await vscode.commands.executeCommand('notifications.hideList');
		}
	});

	it('clicking a subset\'s group shows that subset\'s images in the gallery, not every subset\'s (issue 19.6)', async () => {
		const FACE = '10_sc0pe woman';
		const BODY = '5_sc0pe woman body';
		const scoped = await makeTrainingFolder(testWorkspace()!, 'coverage-scope', {
			subsets: [
				{ repeats: 10, classTokens: 'sc0pe woman', images: 3, size: [512, 512], caption: () => 'sc0pe, looking at viewer, smile' },
				{ repeats: 5, classTokens: 'sc0pe woman body', images: 2, size: [512, 768], caption: () => 'sc0pe, looking at viewer, cowboy shot' },
			],
			settingsYaml: `trigger: sc0pe\nclass: woman\nsubsets:\n  "images/${FACE}": { role: face }\n  "images/${BODY}": { role: body }\n`,
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(scoped);
		const view = api.testing.coverageView;
		const folderNode = (await view.getChildren()).find((n) => n.kind === 'folder' && n.root === scoped)!;
		const faceNode = (await view.getChildren(folderNode)).find((n) => n.kind === 'subset' && n.subset.subset === FACE)!;
		const angles = (await view.getChildren(faceNode)).find((n) => n.kind === 'group' && n.group.group === 'angle')!;
		await view.showImages(angles);
		const gallery = await waitFor('the gallery', () => galleryPanel(api, scoped));
		const filtered = () => gallery.sent.get('filtered') as { ids: number[]; subset?: string; expression: string } | undefined;
		await waitFor('the face subset\'s three pictures', () => filtered()?.ids.length === 3 && filtered()?.subset === FACE);
		// Typing another filter keeps the subset; the page's clear button shows every subset again.
		await gallery.receive({ type: 'filter', tag: '', expression: 'sc0pe' });
		await waitFor('still the face subset', () => filtered()?.expression === 'sc0pe' && filtered()?.ids.length === 3);
		await gallery.receive({ type: 'filter', tag: '', expression: 'sc0pe', subset: '' });
		await waitFor('every subset', () => filtered()?.ids.length === 5 && filtered()?.subset === undefined);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
