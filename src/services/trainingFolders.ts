import * as vscode from 'vscode';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { TrainingFolder, rescanSubsets, scanTrainingFolder } from '../core/dataset';
import { findTrainingFolders } from '../core/datasetDiscover';
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
 * The training folders of the workspace, scanned and kept true while files change on disk (chokidar).
 * Everything that needs the list of images and captions asks this service.
 */
export class TrainingFolderService extends Disposable {
	private readonly scans = new Map<string, TrainingFolder>();
	private readonly watchers = new Map<string, FSWatcher>();
	private readonly pending = new Map<string, { full: boolean; subsets: Set<string> }>();
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
		const settingsWatcher = this.register(vscode.workspace.createFileSystemWatcher(`**/{${SETTINGS_FILE_NAME},images}`));
		this.register(settingsWatcher.onDidCreate(() => this.scheduleRediscover()));
		this.register(settingsWatcher.onDidDelete(() => this.scheduleRediscover()));
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
			await this.enqueue(root, { full: true, subsets: new Set() });
			return;
		}
		this.discovery = this.discover();
		await this.ready();
	}

	private scheduleRediscover(): void {
		clearTimeout(this.rediscoverTimer);
		this.rediscoverTimer = setTimeout(() => { this.discovery = this.discover(); }, DEBOUNCE_MS);
	}

	private async discover(): Promise<void> {
		const workspaceDirs = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
		const found = new Set((await Promise.all(workspaceDirs.map((d) => findTrainingFolders(d)))).flat());
		for (const root of this.extraRoots) {
			found.add(root);
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
				void this.enqueue(root, { full: true, subsets: new Set() });
			}
		}
	}

	private forget(root: string): void {
		void this.watchers.get(root)?.close();
		this.watchers.delete(root);
		clearTimeout(this.timers.get(root));
		this.scans.delete(root);
		this.changeEmitter.fire({ root, folder: undefined });
	}

	private startWatching(root: string): void {
		// Directories only (files are ignored), so a 20,000-image subset costs one OS watch, not 20,000;
		// the directories' raw events name the file that changed.
		const watched = (path: string): boolean => {
			const parts = relative(root, path).split(sep);
			if (parts[0] === '') {
				return true;
			}
			if (parts[0] === SETTINGS_FILE_NAME) {
				return parts.length === 1;
			}
			return (parts[0] === 'images' || parts[0] === 'reg') && parts.length <= 2;
		};
		const placeholder = {} as FSWatcher;
		this.watchers.set(root, placeholder);
		void import('chokidar').then(({ watch }) => {
			if (this.disposed || this.watchers.get(root) !== placeholder) {
				return;
			}
			const watcher = watch(root, {
				ignoreInitial: true,
				depth: 2,
				followSymlinks: true,
				ignored: (path: string) => !watched(path),
			});
			this.watchers.set(root, watcher);
			watcher.on('raw', (_event: string, name: string, details: unknown) => {
				const dir = (details as { watchedPath?: string } | undefined)?.watchedPath;
				if (dir && name) {
					this.onFileEvent(root, join(dir, name), dir);
				}
			});
			for (const event of ['add', 'addDir', 'unlink', 'unlinkDir', 'change'] as const) {
				watcher.on(event, (path: string) => this.onFileEvent(root, path, dirname(path)));
			}
			watcher.on('error', (err: unknown) => this.log.warn(`Watching ${root}: ${err instanceof Error ? err.message : String(err)}`));
		}, (err: unknown) => this.log.error(`File watching is off for ${root}: ${err instanceof Error ? err.message : String(err)}`));
	}

	private onFileEvent(root: string, path: string, dir: string): void {
		const rel = relative(root, path).split(sep);
		const dirRel = relative(root, dir).split(sep);
		const change = this.pending.get(root) ?? { full: false, subsets: new Set<string>() };
		if (rel[0] === SETTINGS_FILE_NAME || basename(path) === SETTINGS_FILE_NAME) {
			change.full = true;
		} else if ((dirRel[0] === 'images' || dirRel[0] === 'reg') && dirRel.length === 2) {
			change.subsets.add(dir);
		} else if ((rel[0] === 'images' || rel[0] === 'reg') && rel.length <= 2) {
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
	private enqueue(root: string, change: { full: boolean; subsets: Set<string> }): Promise<void> {
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

	private async rescan(root: string, change: { full: boolean; subsets: Set<string> }): Promise<void> {
		if (this.disposed || !this.watchers.has(root)) {
			return;
		}
		const previous = this.scans.get(root);
		const known = new Set(previous?.subsets.map((s) => s.dir));
		const partial = previous && !change.full && [...change.subsets].every((d) => known.has(d));
		const started = Date.now();
		try {
			const folder = partial ? await rescanSubsets(previous, [...change.subsets]) : await scanTrainingFolder(root);
			if (this.disposed || !this.watchers.has(root)) {
				return;
			}
			this.scans.set(root, folder);
			const images = folder.subsets.reduce((n, s) => n + s.images.length, 0);
			this.log.info(`Scanned ${root}${partial ? ` (${countOf(change.subsets.size, 'subset')})` : ''}: ${countOf(folder.subsets.length, 'subset')}, ${countOf(images, 'image')} in ${Date.now() - started} ms`);
			this.changeEmitter.fire({ root, folder, changedSubsets: partial ? [...change.subsets] : undefined });
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
			void watcher.close?.();
		}
		this.watchers.clear();
	}
}
