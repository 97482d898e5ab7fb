import * as vscode from 'vscode';
import { basename, join, relative, sep } from 'node:path';
import { FSWatcher, watch } from 'node:fs';
import { TrainingFolder, isDirectory, rescanSubsets, scanTrainingFolder } from '../core/dataset';
import { DISCOVERY_DEPTH, findTrainingFolders } from '../core/datasetDiscover';
import { SETTINGS_FILE_NAME } from '../core/settings';
import { Disposable } from '../util/dispose';
import { countOf } from '../core/plural';

export interface TrainingFolderChange {
	root: string;
	/** The new scan; undefined when the folder went away. */
	folder: TrainingFolder | undefined;
	/** Set when only these subset folders were re-read; undefined for a whole-folder change. */
	changedSubsets?: string[];
}

/** Quiet time after the last file event before re-reading, so a copy of 500 images is one update. */
const DEBOUNCE_MS = 300;

/**
 * What changed in a folder since its last scan. `subsets`: each subset folder something changed in, with the entries
 * the watch named, so that a rescan keeps what it read of the others; 'unknown' when an event named no entry (the
 * subset is read whole).
 */
interface FolderChange {
	full: boolean;
	subsets: Map<string, Set<string> | 'unknown'>;
}

function noChange(full = false): FolderChange {
	return { full, subsets: new Map() };
}

/**
 * The training folders of the workspace, scanned and kept true while files change on disk (one OS watch per folder, FolderWatch).
 * Everything that needs the list of images and captions asks this service.
 */
export class TrainingFolderService extends Disposable {
	private readonly scans = new Map<string, TrainingFolder>();
	private readonly watchers = new Map<string, FolderWatch>();
	private readonly pending = new Map<string, FolderChange>();
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private readonly queue = new Map<string, Promise<void>>();
	private readonly extraRoots = new Set<string>();
	private readonly changeEmitter = this.register(new vscode.EventEmitter<TrainingFolderChange>());
	public readonly onDidChange = this.changeEmitter.event;
	private discovery: Promise<void> = Promise.resolve();
	private rediscoverTimer: NodeJS.Timeout | undefined;

	constructor(private readonly log: vscode.LogOutputChannel) {
		super();
		this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRediscover()));
		const entries = this.register(vscode.workspace.createFileSystemWatcher('**/*', false, true, false));
		this.register(entries.onDidCreate((uri) => this.rediscoverIfItMatters(uri)));
		this.register(entries.onDidDelete((uri) => this.rediscoverIfItMatters(uri)));
		this.register({ dispose: () => this.stopAll() });
		this.discovery = this.discover();
	}

	/** Resolves when the first discovery and every scan started so far are done. */
	public async ready(): Promise<void> {
		await this.discovery;
		await Promise.all([...this.queue.values()]);
	}

	/** The scanned training folders, sorted by path. */
	public folders(): TrainingFolder[] {
		return [...this.scans.values()].sort((a, b) => a.root.localeCompare(b.root));
	}

	/** Whether the folders listed now are exactly `roots`, in order (what a tree view's top level was last made of). */
	public isListedAs(roots: readonly string[] | undefined): boolean {
		const now = this.folders();
		return roots !== undefined && roots.length === now.length && now.every((folder, i) => folder.root === roots[i]);
	}

	public get(root: string): TrainingFolder | undefined {
		return this.scans.get(root);
	}

	/** The training folder a file or folder lies in (the deepest one). */
	public folderOf(path: string | vscode.Uri): TrainingFolder | undefined {
		const fsPath = typeof path === 'string' ? path : path.fsPath;
		let best: TrainingFolder | undefined;
		for (const folder of this.scans.values()) {
			if ((fsPath === folder.root || fsPath.startsWith(folder.root + sep)) && (!best || folder.root.length > best.root.length)) {
				best = folder;
			}
		}
		return best;
	}

	/** Re-reads one folder (or all, and looks for new ones); resolves when done. */
	public async refresh(root?: string): Promise<void> {
		if (root) {
			if (!this.watchers.has(root)) {
				this.extraRoots.add(root);
				this.startWatching(root);
			}
			await this.enqueue(root, noChange(true));
			return;
		}
		this.discovery = this.discover();
		await this.ready();
	}

	private scheduleRediscover(): void {
		clearTimeout(this.rediscoverTimer);
		this.rediscoverTimer = setTimeout(() => { this.discovery = this.discover(); }, DEBOUNCE_MS);
	}

	/**
	 * Rediscovers when a `lora-workbench.yaml` or an `images/` comes or goes, or anything where discovery looks
	 * (DISCOVERY_DEPTH): a folder moved into or out of the workspace whole is one event, for the folder alone, naming
	 * neither. Other events deeper down are a folder's own (its FolderWatch).
	 */
	private rediscoverIfItMatters(uri: vscode.Uri): void {
		const name = basename(uri.fsPath);
		if (name === SETTINGS_FILE_NAME || name === 'images') {
			this.scheduleRediscover();
			return;
		}
		const workspaceFolder = uri.scheme === 'file' ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
		if (workspaceFolder && relative(workspaceFolder.uri.fsPath, uri.fsPath).split(sep).length <= DISCOVERY_DEPTH) {
			this.scheduleRediscover();
		}
	}

	private async discover(): Promise<void> {
		const workspaceDirs = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
		const found = new Set((await Promise.all(workspaceDirs.map((d) => findTrainingFolders(d)))).flat());
		for (const root of this.extraRoots) {
			// A folder named by path (one just made, or outside the workspace) is kept while it is there; deleted, it
			// is let go like a discovered one, else its last scan stayed listed.
			if (await isDirectory(root)) {
				found.add(root);
			} else {
				this.extraRoots.delete(root);
			}
		}
		for (const root of [...this.watchers.keys()]) {
			if (!found.has(root)) {
				this.forget(root);
			}
		}
		for (const root of found) {
			if (!this.watchers.has(root)) {
				this.log.info(`Training folder found: ${root}`);
				this.startWatching(root);
				void this.enqueue(root, noChange(true));
			}
		}
	}

	private forget(root: string): void {
		this.watchers.get(root)?.close();
		this.watchers.delete(root);
		clearTimeout(this.timers.get(root));
		this.scans.delete(root);
		this.changeEmitter.fire({ root, folder: undefined });
	}

	private startWatching(root: string): void {
		const watcher = new FolderWatch((path, dir) => this.onFileEvent(root, path, dir), (message) => this.log.warn(`Watching ${root}: ${message}`));
		watcher.sync(baseDirs(root));
		this.watchers.set(root, watcher);
	}

	private onFileEvent(root: string, path: string, dir: string): void {
		const rel = relative(root, path).split(sep);
		const dirRel = relative(root, dir).split(sep);
		const change = this.pending.get(root) ?? noChange();
		if (rel[0] === SETTINGS_FILE_NAME || basename(path) === SETTINGS_FILE_NAME) {
			change.full = true;
		} else if ((dirRel[0] === 'images' || dirRel[0] === 'reg') && dirRel.length === 2) {
			const paths = change.subsets.get(dir) ?? new Set<string>();
			if (paths !== 'unknown') {
				change.subsets.set(dir, path === dir ? 'unknown' : paths.add(path));
			}
		} else if (((rel[0] === 'images' || rel[0] === 'reg') && rel.length <= 2) || path === root) {
			change.full = true;
		} else {
			return;
		}
		this.pending.set(root, change);
		clearTimeout(this.timers.get(root));
		this.timers.set(root, setTimeout(() => {
			this.pending.delete(root);
			void this.enqueue(root, change);
		}, DEBOUNCE_MS));
	}

	/** One scan at a time per folder; scans run as async I/O so the extension host stays responsive. */
	private enqueue(root: string, change: FolderChange): Promise<void> {
		const previous = this.queue.get(root) ?? Promise.resolve();
		const next = previous.then(() => this.rescan(root, change));
		this.queue.set(root, next);
		void next.finally(() => {
			if (this.queue.get(root) === next) {
				this.queue.delete(root);
			}
		});
		return next;
	}

	private async rescan(root: string, change: FolderChange): Promise<void> {
		if (this.disposed || !this.watchers.has(root)) {
			return;
		}
		if (!(await isDirectory(root))) {
			// Deleted or moved away (a scan would read it as empty): discovery lets it go, also when it lies outside the
			// workspace, where no other watch says so.
			this.log.info(`Training folder gone: ${root}`);
			this.scheduleRediscover();
			return;
		}
		const previous = this.scans.get(root);
		const known = new Set(previous?.subsets.map((s) => s.dir));
		const dirs = [...change.subsets.keys()];
		const partial = previous && !change.full && dirs.every((d) => known.has(d));
		const started = Date.now();
		try {
			const named = new Map([...change.subsets].flatMap(([dir, paths]) => (paths === 'unknown' ? [] : [[dir, paths] as const])));
			const folder = partial ? await rescanSubsets(previous, dirs, {}, named) : await scanTrainingFolder(root);
			if (this.disposed || !this.watchers.has(root)) {
				return;
			}
			this.scans.set(root, folder);
			this.watchers.get(root)?.sync([...baseDirs(root), ...folder.subsets.map((subset) => subset.dir)]);
			const images = folder.subsets.reduce((n, s) => n + s.images.length, 0);
			this.log.info(`Scanned ${root}${partial ? ` (${countOf(dirs.length, 'subset')})` : ''}: ${countOf(folder.subsets.length, 'subset')}, ${countOf(images, 'image')} in ${Date.now() - started} ms`);
			this.changeEmitter.fire({ root, folder, changedSubsets: partial ? dirs : undefined });
		} catch (err) {
			this.log.error(`Could not read ${root}: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	private stopAll(): void {
		clearTimeout(this.rediscoverTimer);
		for (const timer of this.timers.values()) {
			clearTimeout(timer);
		}
		for (const watcher of this.watchers.values()) {
			watcher.close();
		}
		this.watchers.clear();
	}
}

/** The folder itself (settings file, images/ and reg/ coming and going) and the two folders that hold subsets. */
function baseDirs(root: string): string[] {
	return [root, join(root, 'images'), join(root, 'reg')];
}

/**
 * One OS watch per directory the scan depends on (the training folder, images/, reg/, each subset folder), never
 * per file: chokidar listed and stat-ed every file of a 20,000-image folder (1.5 s of host CPU) only to ignore them.
 * Each event names the entry that changed.
 */
class FolderWatch {
	private readonly watchers = new Map<string, FSWatcher>();

	constructor(private readonly onEvent: (path: string, dir: string) => void, private readonly warn: (message: string) => void) {}

	/** Watches exactly these directories: ones no longer listed are dropped, new ones added. */
	sync(dirs: readonly string[]): void {
		const wanted = new Set(dirs);
		for (const [dir, watcher] of this.watchers) {
			if (!wanted.has(dir)) {
				watcher.close();
				this.watchers.delete(dir);
			}
		}
		for (const dir of wanted) {
			if (this.watchers.has(dir)) {
				continue;
			}
			try {
				const watcher = watch(dir, { persistent: false }, (_event, name) => this.onEvent(name ? join(dir, name.toString()) : dir, dir));
				watcher.on('error', (err: unknown) => {
					// A removed folder ends its watch; the watch above it reports the removal and the next scan re-syncs.
					watcher.close();
					if (this.watchers.get(dir) === watcher) {
						this.watchers.delete(dir);
					}
					if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EPERM') {
						this.warn(err instanceof Error ? err.message : String(err));
					}
				});
				this.watchers.set(dir, watcher);
			} catch (err) {
				// reg/ (or images/ of a new folder) often does not exist yet: the watch of the folder above reports it.
				if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') {
					this.warn(err instanceof Error ? err.message : String(err));
				}
			}
		}
	}

	close(): void {
		for (const watcher of this.watchers.values()) {
			watcher.close();
		}
		this.watchers.clear();
	}
}
