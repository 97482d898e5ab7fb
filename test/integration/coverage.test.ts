import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BalanceProposal } from '../../src/core/coverage/balance';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { canControlPage, pressKey, waitForElement } from '../support/screenshot';

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
			// Whichever comes first: VS Code's dialog (answered with Enter) or the undo itself.
			const dialog = waitForElement('.monaco-dialog-box').then(() => 'dialog', () => 'no dialog');
			if (await Promise.race([undone.then(() => 'undone'), dialog]) === 'dialog') {
				await pressKey('Enter');
			}
		}
		await undone;
		await waitFor('the undo to restore the folder names', () => existsSync(join(root, 'images', '24_b4l4nc3 woman')) && existsSync(join(root, 'images', '16_b4l4nc3 woman')));
		assert.ok(!existsSync(newFace));
		await waitFor('the settings file to be restored', () => /"images\/24_b4l4nc3 woman": \{ role: face \}/.test(readFileSync(join(root, 'lora-workbench.yaml'), 'utf8'))
			|| /"images\/24_b4l4nc3 woman"/.test(vscode.workspace.textDocuments.find((d) => d.uri.fsPath.endsWith('balance-folder/lora-workbench.yaml'))?.getText() ?? ''));
	});
});
