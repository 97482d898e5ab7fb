import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';
import { RULE_CODES } from '../../src/core/lint/rules';
import { FIX_ALL_COMMAND } from '../../src/providers/captionCodeActions';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder, writeImage } from '../support/fixtures';
import { HELPER_MIN_CAPTIONS } from '../../src/core/captionReadThread';
import { BACKGROUND_NICE } from '../../src/core/workerThread';
import { threadNices } from '../support/threads';
import { TagsViewProvider } from '../../src/providers/tagsView';
import { sharedFixture, testWorkspace } from '../support/paths';

const CAPTIONS = [
	'3mm4w4ts0n, 1girl, smile, smile',
	'1girl, 3mm4w4ts0n, long hair, short hair',
	'3mm4w4ts0n, 1boy, solo',
	'3mm4w4ts0n, 1boy, standing',
	'',
	undefined,
];

function loraDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
	return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'lora');
}

/** Every lint problem under the folder, as "file:line:col severity code message" (ranges left out: the matcher only has a start). Other features' `lora` problems (guide checks) are left out. */
function problemKeys(root: string): string[] {
	return vscode.languages.getDiagnostics()
		.filter(([uri]) => uri.fsPath.startsWith(root + sep))
		.flatMap(([uri, diagnostics]) => diagnostics.filter((d) => d.source === 'lora' && RULE_CODES.has(String(d.code))).map((d) => `${uri.fsPath}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${String(d.code)} ${d.message}`))
		.sort();
}

/** Runs the `lora` lint task of a training folder of the test workspace; resolves with the CLI's exit code. */
async function runLintTask(folder: string): Promise<number | undefined> {
	const tasks = await vscode.tasks.fetchTasks({ type: 'lora' });
	const task = tasks.find((t) => t.definition.action === 'lint' && t.definition.folder === folder);
	assert.ok(task, `lint task offered; tasks: ${tasks.map((t) => `${t.name} ${JSON.stringify(t.definition)}`).join(', ')}`);
	assert.ok(task.execution instanceof vscode.ProcessExecution, 'the CLI runs as a process');
	const ended = new Promise<number | undefined>((resolve) => {
		const listener = vscode.tasks.onDidEndTaskProcess((event) => {
			if (event.execution.task.definition.action === 'lint' && event.execution.task.definition.folder === folder) {
				listener.dispose();
				resolve(event.exitCode);
			}
		});
	});
	await vscode.tasks.executeTask(task);
	return ended;
}

/** The problem keys whose count differs between two lists, for a failure message. */
function describeDifference(now: string[], want: string[]): string {
	const count = (list: string[], key: string) => list.filter((k) => k === key).length;
	const differing = [...new Set([...now, ...want])].filter((key) => count(now, key) !== count(want, key));
	return `the task's problems differ from the live ones (${now.length} problems, want ${want.length}):\n${differing.slice(0, 20).map((key) => `${count(now, key)}x (want ${count(want, key)}x) ${key}`).join('\n')}`;
}

describe('caption lint', () => {
	let root: string;
	let subset: string;
	const caption = (n: number) => vscode.Uri.file(join(subset, `img_00${n}.txt`));

	before(async () => {
		const workspace = testWorkspace();
		assert.ok(workspace, 'runs inside the test workspace');
		await vscode.workspace.getConfiguration('loraWorkbench').update('lint.clipVocabulary', sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz'), vscode.ConfigurationTarget.Global);
		root = await makeTrainingFolder(workspace!, 'lint-folder', {
			subsets: [{ repeats: 24, classTokens: '3mm4w4ts0n woman', images: CAPTIONS.length, size: [64, 64], caption: (i) => CAPTIONS[i] }],
			settingsYaml: 'trigger: 3mm4w4ts0n\nclass: woman\n',
		});
		subset = join(root, 'images', '24_3mm4w4ts0n woman');
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await waitFor('the lint of the new folder', () => loraDiagnostics(caption(1)).length > 0);
		await api.testing.lint.diagnostics.idle();
	});

	it('fills the Problems panel for every caption of the folder, none of them open', () => {
		assert.equal(vscode.workspace.textDocuments.some((d) => d.uri.fsPath.startsWith(subset)), false);
		const codes = (n: number) => loraDiagnostics(caption(n)).map((d) => String(d.code));
		assert.deepEqual(codes(1), ['duplicate-tag']);
		assert.deepEqual(codes(2), ['trigger-not-first', 'conflicting-tags']);
		assert.deepEqual(codes(3), ['class-conflict']);
		assert.deepEqual(codes(5), ['empty-caption']);
		assert.deepEqual(loraDiagnostics(vscode.Uri.file(join(subset, 'img_006.jpg'))).map((d) => d.code), ['missing-caption']);
		const duplicate = loraDiagnostics(caption(1))[0];
		assert.deepEqual([duplicate.range.start.character, duplicate.range.end.character], [26, 31], 'the range covers the second "smile"');
		assert.equal(loraDiagnostics(caption(5))[0].severity, vscode.DiagnosticSeverity.Error);
	});

	it('a quick fix removes its problem', async () => {
		const document = await vscode.workspace.openTextDocument(caption(1));
		await vscode.window.showTextDocument(document);
		const diagnostic = loraDiagnostics(caption(1))[0];
		const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', caption(1), diagnostic.range);
		const titles = actions.map((a) => a.title);
		assert.ok(titles.includes('Fix all "duplicate-tag" problems in the dataset'), titles.join(' | '));
		const fix = actions.find((a) => a.title === 'Remove duplicate "smile"');
		assert.ok(fix?.edit, `quick fixes offered: ${titles.join(' | ')}`);
		assert.ok(await vscode.workspace.applyEdit(fix.edit));
		assert.equal(document.getText(), '3mm4w4ts0n, 1girl, smile');
		await waitFor('the duplicate-tag problem to go', () => loraDiagnostics(caption(1)).length === 0);
		await document.save();
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('"fix all of this kind" fixes every caption of the dataset in one edit', async () => {
		const api = await activateExtension();
		const changed = await vscode.commands.executeCommand<string[]>(FIX_ALL_COMMAND, root, 'class-conflict');
		assert.deepEqual(changed.sort(), [caption(3).fsPath, caption(4).fsPath]);
		assert.equal(await fs.readFile(caption(3).fsPath, 'utf8'), '3mm4w4ts0n, solo');
		assert.equal(await fs.readFile(caption(4).fsPath, 'utf8'), '3mm4w4ts0n, standing');
		await waitFor('the class-conflict problems to go', () => loraDiagnostics(caption(3)).length === 0 && loraDiagnostics(caption(4)).length === 0);
		await api.testing.lint.diagnostics.idle();
	});

	it('a rescan sends again only the captions whose problems changed', async () => {
		const api = await activateExtension();
		await api.testing.lint.diagnostics.idle();
		// Two untouched captions with problems. A caption whose document an editor event touched (typing, or its close,
		// which lints it again from disk) is rightly sent again by the next folder lint; twice in full runs here one of
		// them was, by an event this test did not cause ("set since by" names that event, for whoever finds its cause).
		// Every untouched caption not so touched must keep the very Diagnostic objects, and at least one must be checked so.
		const untouched = [2, 5].map((n) => ({ n, before: loraDiagnostics(caption(n)) }));
		assert.ok(untouched.every((u) => u.before.length > 0), 'img_002 and img_005 have problems to keep');
		await fs.writeFile(caption(3).fsPath, '3mm4w4ts0n, solo, solo');
		await api.services.trainingFolders.refresh(root);
		await api.testing.lint.diagnostics.idle();
		await waitFor('the duplicate-tag problem of the edited caption', () => loraDiagnostics(caption(3)).some((d) => d.code === 'duplicate-tag'));
		// The same Diagnostic objects: the untouched captions' problems were not set again (20,000 of them were, on every rescan).
		const why = (n: number) => api.testing.lint.diagnostics.whyLastSet(caption(n).fsPath) ?? '';
		const checked = untouched.filter((u) => !why(u.n).startsWith('a folder lint: set since by '));
		assert.ok(checked.length > 0, `both untouched captions were touched by editor events: nothing left to check (${untouched.map((u) => why(u.n)).join('; ')})`);
		for (const { n, before } of checked) {
			const after = loraDiagnostics(caption(n));
			assert.equal(after.length, before.length);
			const sameContent = after.every((d, i) => d.message === before[i].message && d.range.isEqual(before[i].range));
			assert.ok(after.every((d, i) => d === before[i]), `img_00${n}'s problems are the ones set before the rescan; they were set again by ${api.testing.lint.diagnostics.whyLastSet(caption(n).fsPath)}, ${sameContent ? 'with the same content' : 'with other content'}`);
		}
		await fs.writeFile(caption(3).fsPath, '3mm4w4ts0n, solo');
		await api.services.trainingFolders.refresh(root);
		await api.testing.lint.diagnostics.idle();
		await waitFor('the edited caption\'s problem to go', () => loraDiagnostics(caption(3)).length === 0);
	});

	it('the lint task\'s $lora-lint matcher reports the same problems as the live diagnostics', async () => {
		const api = await activateExtension();
		await api.testing.lint.diagnostics.idle();
		const live = problemKeys(root);
		assert.ok(live.length >= 4, live.join('\n'));
		assert.equal(await runLintTask('lint-folder'), 1, 'exit 1: the empty caption is an error');
		// Each live problem now has a twin from the task's matcher (same file, start, severity, code and message).
		const doubled = live.flatMap((key) => [key, key]).sort();
		await waitFor('the task\'s problems', () => JSON.stringify(problemKeys(root)) === JSON.stringify(doubled), 120_000)
			.catch(() => assert.fail(describeDifference(problemKeys(root), doubled)));
	});
});

describe('caption lint of a large folder', () => {
	it('reads and lints every caption on a helper thread, not the extension host\'s, and shows each problem', async function () {
		this.timeout(300_000);
		const count = HELPER_MIN_CAPTIONS + 50;
		const name = (i: number) => `img_${String(i).padStart(5, '0')}`;
		// Built outside the workspace, then moved in whole: the folder appears in one change.
		const staging = await fs.mkdtemp(join(tmpdir(), 'lint-large-'));
		const staged = join(staging, 'lint-large');
		const dir = join(staged, 'images', '10_zq7 woman');
		await fs.mkdir(dir, { recursive: true });
		await fs.writeFile(join(staged, 'lora-workbench.yaml'), 'trigger: zq7\nclass: woman\n');
		await writeImage(join(staging, 'image.png'), { width: 16, height: 16 });
		for (let i = 0; i < count; i++) {
			await fs.copyFile(join(staging, 'image.png'), join(dir, `${name(i)}.png`));
			// Every caption has a problem, so the lint task below prints a line for each.
			await fs.writeFile(join(dir, `${name(i)}.txt`), i % 100 === 7 ? 'zq7, smile, smile' : 'solo, zq7, smile');
		}
		const root = join(testWorkspace()!, 'lint-large');
		await fs.rename(staged, root);
		await fs.rm(staging, { recursive: true, force: true });
		const api = await activateExtension();
		try {
			await api.services.trainingFolders.refresh(root);
			await api.testing.lint.diagnostics.idle();
			// How many it took unread depends on whether the workspace watcher's lint came first (checked below).
			const { captions, helperCaptions } = api.testing.lint.diagnostics.lastLint(root)!;
			assert.deepEqual({ captions, helperCaptions }, { captions: count, helperCaptions: count }, 'every caption linted, all on the helper');
			if (process.platform === 'linux') {
				// The helper, kept for the next lint, gives way to the host's own thread (every extension's).
				const nices = threadNices();
				assert.equal(nices[0], getPriority(), 'the host\'s thread keeps its priority');
				assert.ok(nices.includes(BACKGROUND_NICE), `a thread of the host at nice ${BACKGROUND_NICE}: ${nices.join(' ')}`);
			}
			const subset = join(root, 'images', '10_zq7 woman');
			const duplicates = vscode.languages.getDiagnostics()
				.filter(([uri, diagnostics]) => uri.fsPath.startsWith(subset + sep) && diagnostics.some((d) => d.source === 'lora' && d.code === 'duplicate-tag'))
				.map(([uri]) => uri.fsPath.slice(subset.length + 1)).sort();
			assert.deepEqual(duplicates, Array.from({ length: count }, (_, i) => i).filter((i) => i % 100 === 7).map((i) => `${name(i)}.txt`));

			// The lint task's matcher has until 100 ms after the process ends to take in its lines: each line must
			// resolve to its file without a round trip to the file system, or the last ones are lost.
			const live = problemKeys(root);
			assert.equal(live.length, count, 'a problem per caption');
			await runLintTask('lint-large');
			const doubled = live.flatMap((key) => [key, key]).sort();
			await waitFor('the task\'s problems', () => JSON.stringify(problemKeys(root)) === JSON.stringify(doubled), 120_000)
				.catch(() => assert.fail(describeDifference(problemKeys(root), doubled)));

			// A re-check takes each caption whose file is unchanged as the helper last linted it. A caption changed less
			// than 2 s before its read is read again next time, so the captions written above come back unread once a
			// re-check finds them all old enough; then an edited caption is the one the helper reads again.
			const diagnostics = api.testing.lint.diagnostics;
			await waitFor('a re-check to take every unchanged caption unread', async () => {
				await api.services.trainingFolders.refresh(root);
				await diagnostics.idle();
				return diagnostics.lastLint(root)?.helperRemembered === count;
			}, 120_000);
			const edited = join(subset, `${name(0)}.txt`);
			await fs.writeFile(edited, 'zq7, solo, solo');
			await api.services.trainingFolders.refresh(root);
			await diagnostics.idle();
			assert.deepEqual(diagnostics.lastLint(root), { captions: count, helperCaptions: count, helperRemembered: count - 1 }, 'all but the edited caption taken unread');
			assert.ok(vscode.languages.getDiagnostics(vscode.Uri.file(edited)).some((d) => d.source === 'lora' && d.code === 'duplicate-tag'), 'the edited caption\'s new problem is shown');
		} finally {
			await fs.rm(root, { recursive: true, force: true });
		}
	});
});

describe('the Tags view\'s flagged tags', () => {
	it('stay as they are, without a refresh of the view, when a caption gets diagnostics that flag nothing (another extension\'s)', async function () {
		this.timeout(120_000);
		const captions = ['qu1et, smile, smile', 'qu1et, long hair'];
		const root = await makeTrainingFolder(testWorkspace()!, 'flagged-quiet', {
			subsets: [{ repeats: 10, classTokens: 'qu1et woman', images: captions.length, size: [32, 32], caption: (i) => captions[i] }],
			settingsYaml: 'trigger: qu1et\nclass: woman\n',
		});
		const caption = vscode.Uri.file(join(root, 'images', '10_qu1et woman', 'img_002.txt'));
		const api = await activateExtension();
		const service = api.services.trainingFolders;
		await service.refresh(root);
		await api.testing.lint.diagnostics.idle();
		const view = new TagsViewProvider(service);
		const spelling = vscode.languages.createDiagnosticCollection('spelling');
		const flagged = async () => (await view.flaggedTags(service.get(root)!)).map((tag) => `${tag.label} ${tag.code}`);
		/** Sets the caption's diagnostics in the test's collection; how many times the view refreshed once it took them in. */
		const refreshesAfter = async (diagnostics: vscode.Diagnostic[]): Promise<{ refreshes: number; scans: number }> => {
			let refreshes = 0;
			let scans = 0;
			const counting = [view.onDidChangeTreeData(() => refreshes++), service.onDidChange(() => scans++)];
			try {
				const seen = new Promise<void>((resolve) => {
					const listening = vscode.languages.onDidChangeDiagnostics((event) => {
						if (event.uris.some((uri) => uri.fsPath === caption.fsPath)) {
							listening.dispose();
							resolve();
						}
					});
				});
				spelling.set(caption, diagnostics);
				await seen;
				await view.idle();
				return { refreshes, scans };
			} finally {
				counting.forEach((d) => d.dispose());
			}
		};
		try {
			assert.deepEqual(await flagged(), ['smile duplicate-tag']);
			await view.idle();
			// A spell checker's word on the caption: its diagnostics change, the tags flagged in it do not. A rescan of any
			// folder (files of this or an earlier test reported late) refreshes the view for its own reason: the step is
			// taken again then.
			const unknownWord = (message: string) => new vscode.Diagnostic(new vscode.Range(0, 7, 0, 11), message, vscode.DiagnosticSeverity.Information);
			let quiet = await refreshesAfter([unknownWord('Unknown word (long)')]);
			for (let attempt = 2; quiet.scans > 0 && attempt <= 5; attempt++) {
				quiet = await refreshesAfter([unknownWord(`Unknown word (long), seen ${attempt} times`)]);
			}
			assert.equal(quiet.scans, 0, 'a step without a rescan of any folder');
			assert.equal(quiet.refreshes, 0, 'no refresh of the Tags view for diagnostics that flag no tag');
			assert.deepEqual(await flagged(), ['smile duplicate-tag']);

			// Ours (source lora) on a tag of the same caption: flagged, and the view is refreshed to show it.
			const ours = new vscode.Diagnostic(new vscode.Range(0, 7, 0, 16), 'a test flag', vscode.DiagnosticSeverity.Warning);
			ours.source = 'lora';
			ours.code = 'test-flag';
			const flagging = await refreshesAfter([ours]);
			assert.ok(flagging.refreshes >= 1, 'the view refreshed for a newly flagged tag');
			assert.deepEqual((await flagged()).sort(), ['long hair test-flag', 'smile duplicate-tag']);
		} finally {
			spelling.dispose();
			view.dispose();
			await fs.rm(root, { recursive: true, force: true });
		}
	});

	it('follow the lint as captions change on disk, and as the rules change with the captions unchanged', async function () {
		this.timeout(180_000);
		const captions = ['fl4g, smile, smile', 'fl4g, red dress, red dress', 'fl4g, long hair'];
		const root = await makeTrainingFolder(testWorkspace()!, 'flagged-folder', {
			subsets: [{ repeats: 10, classTokens: 'fl4g woman', images: captions.length, size: [32, 32], caption: (i) => captions[i] }],
			settingsYaml: 'trigger: fl4g\nclass: woman\n',
		});
		const subset = join(root, 'images', '10_fl4g woman');
		const api = await activateExtension();
		const service = api.services.trainingFolders;
		const view = new TagsViewProvider(service);
		const flagged = async () => {
			const folder = service.get(root);
			return folder ? (await view.flaggedTags(folder)).map((tag) => `${tag.label} ${tag.code}: ${tag.files.map((file) => file.slice(subset.length + 1)).join(' ')}`) : [];
		};
		try {
			// img_002.jpg (made above) and img_002.png share img_002.txt (sd-scripts reads it for both): its flagged tag
			// names it once, also with img_002.jpg.png, whose own caption has the same problem, between them in folder order.
			await writeImage(join(subset, 'img_002.png'), { width: 32, height: 32 });
			await writeImage(join(subset, 'img_002.jpg.png'), { width: 32, height: 32 });
			await fs.writeFile(join(subset, 'img_002.jpg.txt'), 'fl4g, red dress, red dress');
			await service.refresh(root);
			await api.testing.lint.diagnostics.idle();
			// The shared caption is itself a problem (shared-caption, on its first tag).
			assert.deepEqual(await flagged(), ['red dress duplicate-tag: img_002.txt img_002.jpg.txt', 'fl4g shared-caption: img_002.txt', 'smile duplicate-tag: img_001.txt']);

			// One caption fixed, another given the problem: each is re-linted, and the view follows.
			await fs.writeFile(join(subset, 'img_001.txt'), 'fl4g, smile');
			await fs.writeFile(join(subset, 'img_003.txt'), 'fl4g, long hair, long hair');
			const expected = JSON.stringify(['red dress duplicate-tag: img_002.txt img_002.jpg.txt', 'fl4g shared-caption: img_002.txt', 'long hair duplicate-tag: img_003.txt']);
			await waitFor('the flagged tags after the change', async () => JSON.stringify(await flagged()) === expected)
				.catch(async () => assert.deepEqual(await flagged(), JSON.parse(expected)));

			// The rule turned off: no caption changes, only their diagnostics, which name the files to read again.
			await fs.writeFile(join(root, 'lora-workbench.yaml'), 'trigger: fl4g\nclass: woman\nlint:\n  rules:\n    duplicate-tag: off\n');
			const sharedOnly = JSON.stringify(['fl4g shared-caption: img_002.txt']);
			await waitFor('the flagged tags with duplicate-tag off', async () => JSON.stringify(await flagged()) === sharedOnly)
				.catch(async () => assert.deepEqual(await flagged(), JSON.parse(sharedOnly)));
		} finally {
			view.dispose();
			await fs.rm(root, { recursive: true, force: true });
		}
	});
});
