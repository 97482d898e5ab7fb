/**
 * The per-file end of a bulk edit in the extension, after the one WorkspaceEdit was applied: each caption is
 * checked and saved on its own, so one document that was closed underneath ("Document has been closed" from
 * save()) or a file that changed meanwhile is reported for that file, and the other files still complete.
 * No `vscode` import: the documents come in through this small interface, so the logic is unit-tested in Node.
 */

export interface SettleDocument {
	readonly isClosed: boolean;
	readonly isDirty: boolean;
	getText(): string;
	save(): Thenable<boolean>;
}

export interface SettleFile {
	path: string;
	/** The text the edit put into the document. */
	after: string;
	/** The document had unsaved changes before the edit: it is left unsaved (the user's changes are theirs to save). */
	wasDirty: boolean;
	document: SettleDocument;
}

export type SettleOutcome =
	| { path: string; kind: 'saved' }
	| { path: string; kind: 'unsaved'; reason?: string }
	| { path: string; kind: 'skipped'; reason: string };

export interface SettleHost {
	/** Opens the document again (the first one was closed); undefined when it cannot be opened. */
	reopen(path: string): Promise<SettleDocument | undefined>;
	/** The file's text on disk without BOM, undefined when it cannot be read. */
	readDisk(path: string): Promise<string | undefined>;
}

function message(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

export async function settleFile(file: SettleFile, host: SettleHost): Promise<SettleOutcome> {
	const { path, after } = file;
	try {
		let document: SettleDocument | undefined = file.document;
		const wasClosed = document.isClosed;
		if (wasClosed) {
			// A closed document may already have been saved with the edit, or dropped with it: the disk says which.
			if ((await host.readDisk(path)) === after) {
				return { path, kind: 'saved' };
			}
			document = await host.reopen(path);
		}
		if (!document || document.getText() !== after) {
			// Open: edited (and maybe saved) in its editor meanwhile, or reloaded from disk; what it holds now is kept.
			return { path, kind: 'skipped', reason: wasClosed ? 'it changed while the edit was applied (closed or changed on disk)' : 'it changed while the edit was applied (in its editor or on disk); its text now was kept, check it' };
		}
		if (file.wasDirty) {
			return { path, kind: 'unsaved' };
		}
		return (await document.save()) ? { path, kind: 'saved' } : { path, kind: 'unsaved', reason: 'saving it failed' };
	} catch (err) {
		// save() of a document closed in the meantime rejects; the file on disk may still hold the edit.
		const disk = await host.readDisk(path).catch(() => undefined);
		return disk === after
			? { path, kind: 'saved' }
			: { path, kind: 'skipped', reason: `it could not be saved (${message(err)}); check it and run the edit again` };
	}
}

/** Settles every file; never throws, whatever one file does. */
export async function settleFiles(files: readonly SettleFile[], host: SettleHost): Promise<SettleOutcome[]> {
	const outcomes: SettleOutcome[] = [];
	for (const file of files) {
		outcomes.push(await settleFile(file, host));
	}
	return outcomes;
}
