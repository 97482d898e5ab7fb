import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { sharedFixture, testWorkspace } from '../support/paths';
import { compareGrid, compareLikeness, healthView } from '../support/webviews';

const SUBSET = '10_ohwx man';
const people = (name: string) => sharedFixture('photos', 'people', name);

describe('likeness: wrong person and the recommended epoch (integration)', function () {
	this.timeout(300_000);
	let root: string;
	let subset: string;

	before(async () => {
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		root = join(testWorkspace()!, 'likeness-folder');
		subset = join(root, 'images', SUBSET);
		await fs.mkdir(subset, { recursive: true });
		await fs.writeFile(join(root, 'lora-workbench.yaml'), `trigger: ohwx\nclassWord: man\nsubsets:\n  images/${SUBSET}:\n    role: face\n`);
		// Three pictures of one person and a co-star picked up by mistake.
		for (const name of ['obama.jpg', 'obama1.jpg', 'obama3.jpg', 'biden2.jpg']) {
			await sharp(people(name)).rotate().resize(768, 768, { fit: 'inside' }).jpeg({ quality: 92 }).toFile(join(subset, name));
		}
		// A frontal face captioned as seen from the side.
		await fs.writeFile(join(subset, 'obama.txt'), 'ohwx, 1boy, from side, smile\n');
		// sd-scripts' sample names: epoch 1 not the person yet, epoch 2 the person, epoch 3 copies a training picture.
		const sample = join(root, 'model', 'sample');
		await fs.mkdir(sample, { recursive: true });
		const write = (epoch: number, index: number, from: string) => sharp(from).rotate().resize(512, 512, { fit: 'inside' }).png()
			.toFile(join(sample, `ohwx_e${String(epoch).padStart(6, '0')}_${String(index).padStart(2, '0')}_20260216121314.png`));
		await write(1, 0, people('biden.jpg'));
		await write(1, 1, sharedFixture('photos', 'other', 'dog.jpg'));
		await write(2, 0, people('obama2.jpg'));
		await write(2, 1, people('obama2.jpg'));
		await write(3, 0, join(subset, 'obama1.jpg'));
		await write(3, 1, people('obama2.jpg'));
		// Checkpoint files as sd-scripts names them (a header without tensors is enough for the view).
		const header = Buffer.from(JSON.stringify({ __metadata__: { ss_output_name: 'ohwx' } }));
		const length = Buffer.alloc(8);
		length.writeBigUInt64LE(BigInt(header.length));
		for (const name of ['ohwx-000001.safetensors', 'ohwx-000002.safetensors', 'ohwx.safetensors']) {
			await fs.writeFile(join(root, 'model', name), Buffer.concat([length, header]));
		}
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});
	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('Dataset Health names the picture of someone else, in Problems and in its own section, farthest first', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const report = api.testing.images.lastReport(root);
		assert.ok(report, 'a report was made');
		assert.equal(report.faceDetectorError, undefined, 'faces were detected and compared');
		const codes = (name: string) => vscode.languages.getDiagnostics(vscode.Uri.file(join(subset, name))).filter((d) => d.source === 'lora').map((d) => String(d.code));
		assert.ok(codes('biden2.jpg').includes('wrong-person'), codes('biden2.jpg').join());
		for (const name of ['obama.jpg', 'obama1.jpg', 'obama3.jpg']) {
			assert.ok(!codes(name).includes('wrong-person') && !codes(name).includes('identity-unsure'), `${name}: ${codes(name).join()}`);
		}
		const message = vscode.languages.getDiagnostics(vscode.Uri.file(join(subset, 'biden2.jpg'))).find((d) => d.code === 'wrong-person')!.message;
		assert.match(message, /^biden2\.jpg looks like someone else: the face is 0\.\d\d from the rest of the dataset/);
		const view = await waitFor('the health view', () => healthView(api, root));
		const section = view.sections.find((s) => s.code === 'wrong-person');
		assert.ok(section, `sections: ${view.sections.map((s) => s.code).join()}`);
		assert.deepEqual(section.groups.flat().map((i) => i.name), ['biden2.jpg']);
		assert.match(section.groups[0][0].measure ?? '', /^distance 0\.\d\d$/);
	});

	it('an angle tag the measured pose contradicts is a problem on the caption, and its quick fix removes the tag', async () => {
		const uri = vscode.Uri.file(join(subset, 'obama.txt'));
		// Published by the check of the test before.
		const problem = vscode.languages.getDiagnostics(uri).find((d) => d.code === 'pose-contradicts-caption');
		assert.ok(problem, vscode.languages.getDiagnostics(uri).map((d) => `${String(d.code)}: ${d.message}`).join('\n'));
		assert.match(problem.message, /^"from side" does not match the picture: the face is turned \d+° \(measured from the face landmarks\)/);
		const document = await vscode.workspace.openTextDocument(uri);
		assert.equal(document.getText(problem.range), 'from side');
		const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, problem.range, vscode.CodeActionKind.QuickFix.value);
		const fix = actions.find((a) => a.title === 'Remove "from side" (the picture does not show it)');
		assert.ok(fix?.edit, actions.map((a) => a.title).join('; '));
		assert.ok(await vscode.workspace.applyEdit(fix.edit));
		assert.equal(document.lineAt(0).text, 'ohwx, 1boy, smile');
		assert.ok(await document.save());
		await waitFor('the problem to go with the edit', () => !vscode.languages.getDiagnostics(uri).some((d) => d.code === 'pose-contradicts-caption'));
	});

	it('Compare Epochs scores each cell and recommends the epoch before copying starts; the Checkpoints view scores it too', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', root);
		const grid = await waitFor('the grid', () => compareGrid(api, root), 120_000);
		assert.deepEqual(grid.columns.map((c) => c.label), ['epoch 1', 'epoch 2', 'epoch 3']);
		const sent = await waitFor('the likeness scores', () => compareLikeness(api, root), 120_000);
		assert.equal(sent.reason, undefined);
		const likeness = sent.likeness!;
		assert.equal(likeness.recommendation?.key, 'e2');
		assert.match(likeness.recommendation!.reason, /^Epoch 2: median face distance 0\.\d\d .*before copying starts at epoch 3\.$/);
		assert.equal(likeness.cells.length, 6, 'every sample has a cell score');
		const cell = (prompt: number, key: string) => likeness.cells.find((c) => c.promptIndex === prompt && c.key === key)!;
		assert.equal(cell(1, 'e1').faces, 0, 'the dog sample has no face');
		assert.ok(cell(0, 'e2').distance! < likeness.alikeBelow);
		assert.ok(cell(0, 'e1').distance! >= 0.6, 'epoch 1 shows someone else');
		assert.equal(cell(0, 'e3').copies, 'obama1.jpg');
		assert.deepEqual(likeness.columns.map((c) => c.copying), [0, 0, 0.5]);
		const view = api.testing.checkpointsView;
		const folder = api.services.trainingFolders.get(root)!;
		const description = async (epoch: number) => {
			const node = (await view.allCheckpoints(folder)).find((n) => (n.file.kind === 'final' ? 3 : n.file.epoch) === epoch)!;
			return String(view.getTreeItem(node).description);
		};
		// The view scores in the background when it lists a run: wait for the scores to show.
		await waitFor('the checkpoint scores', async () => {
			await view.getChildren({ kind: 'folder', folder });
			return /likeness 0\.\d\d ◆ recommended/.test(await description(2));
		}, 120_000);
		assert.match(await description(1), /epoch 1 · likeness 0\.\d\d · /);
		assert.doesNotMatch(await description(1), /recommended/);
		assert.match(await description(3), /likeness 0\.\d\d · /, 'the final file is the last epoch');
	});

	it('Coverage shows the measured head pose and names the angles no picture shows, though no caption has an angle tag', async () => {
		const api = await activateExtension();
		const view = api.testing.coverageView;
		const folder = api.services.trainingFolders.get(root)!;
		const poseNode = await waitFor('the measured pose', async () => {
			const node = (await view.getChildren(view.folderNode(folder.root))).find((n) => n.kind === 'pose');
			return node?.kind === 'pose' && node.measured.state !== 'measuring' && node;
		}, 120_000);
		assert.equal(poseNode.measured.state, 'done', JSON.stringify(poseNode.measured));
		const children = await view.getChildren(poseNode);
		const missing = children.filter((n) => n.kind === 'poseMissing').map((n) => n.kind === 'poseMissing' && n.message);
		assert.ok(missing.includes('no face looking up (from below)'), missing.join('; '));
		assert.ok(missing.includes('no side view (profile or near it)'), missing.join('; '));
		assert.ok(!missing.includes('no frontal face'), 'the frontal pictures count');
		const front = children.find((n) => n.kind === 'poseBin' && n.label === 'front');
		assert.ok(front?.kind === 'poseBin' && front.images.length >= 2 && front.total === 4, JSON.stringify(front));
		assert.match(String(view.getTreeItem(poseNode).description), /^4 faces · \d missing$/);
	});

	it('Use as Likeness Reference writes likeness.reference, and the next check compares every face with it', async () => {
		const api = await activateExtension();
		const reference = join(subset, 'biden2.jpg');
		await vscode.commands.executeCommand('loraWorkbench.useAsLikenessReference', vscode.Uri.file(reference));
		const yaml = await fs.readFile(join(root, 'lora-workbench.yaml'), 'utf8');
		assert.match(yaml, /^likeness:\s*\n\s+reference: \[ images\/10_ohwx man\/biden2\.jpg \]$/m, yaml);
		await waitFor('the folder to read the reference', () => (api.services.trainingFolders.get(root)?.settings.raw.likeness as { reference?: unknown } | undefined)?.reference);
		await vscode.commands.executeCommand('loraWorkbench.checkImages', root);
		const codes = (name: string) => vscode.languages.getDiagnostics(vscode.Uri.file(join(subset, name))).filter((d) => d.source === 'lora').map((d) => String(d.code));
		assert.ok(!codes('biden2.jpg').includes('wrong-person'), 'the reference is the person now');
		assert.ok(codes('obama.jpg').includes('wrong-person'), codes('obama.jpg').join());
		assert.match(vscode.languages.getDiagnostics(vscode.Uri.file(join(subset, 'obama.jpg'))).find((d) => d.code === 'wrong-person')!.message, /from your reference pictures/);
	});
});

describe('likeness: same-shoot groups by person, background and light (integration)', function () {
	this.timeout(300_000);

	it('Check Images puts a reframed picture with its original as the same shoot, which the hash alone does not', async () => {
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		const root = join(testWorkspace()!, 'same-shoot-folder');
		const subset = join(root, 'images', SUBSET);
		await fs.mkdir(subset, { recursive: true });
		await fs.writeFile(join(root, 'lora-workbench.yaml'), `trigger: ohwx\nclassWord: man\nsubsets:\n  images/${SUBSET}:\n    role: face\n`);
		for (const name of ['obama.jpg', 'obama3.jpg']) {
			await sharp(people(name)).rotate().resize(768, 768, { fit: 'inside' }).jpeg({ quality: 92 }).toFile(join(subset, name));
		}
		// The same shoot framed again: a 70% crop moved off-centre, a little brighter (pHash distance far above 14).
		const { info } = await sharp(people('obama.jpg')).rotate().raw().toBuffer({ resolveWithObject: true });
		await sharp(people('obama.jpg')).rotate()
			.extract({ left: Math.round(info.width * 0.2), top: Math.round(info.height * 0.05), width: Math.round(info.width * 0.7), height: Math.round(info.height * 0.7) })
			.modulate({ brightness: 1.05 }).resize(768, 768, { fit: 'inside' }).jpeg({ quality: 92 }).toFile(join(subset, 'obama-closer.jpg'));
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const report = api.testing.images.lastReport(root);
		assert.ok(report, 'a report was made');
		assert.equal(report.faceDetectorError, undefined, 'faces were detected and compared');
		const shoot = (name: string) => vscode.languages.getDiagnostics(vscode.Uri.file(join(subset, name))).find((d) => d.source === 'lora' && d.code === 'same-shoot');
		assert.match(shoot('obama.jpg')?.message ?? '', /^Looks like the same shoot as obama-closer\.jpg \(the same person before the same background in the same light\)/);
		assert.ok(shoot('obama-closer.jpg'));
		assert.equal(shoot('obama3.jpg'), undefined, 'another shoot of the same person');
		const view = await waitFor('the health view', () => healthView(api, root));
		const section = view.sections.find((s) => s.code === 'same-shoot');
		assert.deepEqual(section?.groups.map((g) => g.map((i) => i.name).sort()), [['obama-closer.jpg', 'obama.jpg']]);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
