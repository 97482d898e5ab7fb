/**
 * Fault suite (issue 20), the extension's bulk edit: documents closed or files changed underneath while a bulk
 * edit saves are handled file by file. This is the per-file logic (src/providers/bulkEditSettle.ts) with fake
 * documents, because "Document has been closed" cannot be provoked on demand inside a real VS Code; the
 * integration suite test/integration/faults.test.ts covers files changed on disk before the edit.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SettleDocument, SettleFile, settleFiles } from '../../src/providers/bulkEditSettle';

function doc(text: string, options: { closed?: boolean; dirty?: boolean; save?: () => Promise<boolean> } = {}): SettleDocument & { saved: number } {
	const d = {
		saved: 0,
		isClosed: options.closed ?? false,
		isDirty: options.dirty ?? false,
		getText: () => text,
		save: async () => { d.saved++; return options.save ? options.save() : true; },
	};
	return d;
}

test('faults (issue 21.3): a bulk edit settles each file on its own: a closed document or a failed save is reported, the rest complete', async () => {
	const disk = new Map<string, string>([['closed-saved.txt', 'x, hat'], ['closed-lost.txt', 'x, changed elsewhere'], ['save-throws.txt', 'x']]);
	const reopened = new Map<string, SettleDocument>([['closed-lost.txt', doc('x, changed elsewhere')]]);
	const ok = doc('x, hat');
	const last = doc('x, hat');
	const files: SettleFile[] = [
		{ path: 'ok.txt', after: 'x, hat', wasDirty: false, document: ok },
		{ path: 'save-throws.txt', after: 'x, hat', wasDirty: false, document: doc('x, hat', { save: () => Promise.reject(new Error('Document has been closed')) }) },
		{ path: 'closed-saved.txt', after: 'x, hat', wasDirty: false, document: doc('', { closed: true }) },
		{ path: 'closed-lost.txt', after: 'x, hat', wasDirty: false, document: doc('', { closed: true }) },
		{ path: 'was-dirty.txt', after: 'x, hat', wasDirty: true, document: doc('x, hat', { dirty: true }) },
		{ path: 'save-false.txt', after: 'x, hat', wasDirty: false, document: doc('x, hat', { save: async () => false }) },
		{ path: 'changed.txt', after: 'x, hat', wasDirty: false, document: doc('x, typed meanwhile') },
		{ path: 'last.txt', after: 'x, hat', wasDirty: false, document: last },
	];
	const outcomes = await settleFiles(files, { reopen: async (path) => reopened.get(path), readDisk: async (path) => disk.get(path) });
	assert.deepEqual(outcomes.map((o) => [o.path, o.kind]), [
		['ok.txt', 'saved'],
		['save-throws.txt', 'skipped'],
		['closed-saved.txt', 'saved'],
		['closed-lost.txt', 'skipped'],
		['was-dirty.txt', 'unsaved'],
		['save-false.txt', 'unsaved'],
		['changed.txt', 'skipped'],
		['last.txt', 'saved'],
	]);
	const reason = (path: string) => (outcomes.find((o) => o.path === path) as { reason?: string }).reason ?? '';
	assert.match(reason('save-throws.txt'), /could not be saved \(Document has been closed\); check it and run the edit again/);
	assert.match(reason('closed-lost.txt'), /changed while the edit was applied/);
	assert.equal(ok.saved + last.saved, 2, 'the files after the failing one are still saved');
});
