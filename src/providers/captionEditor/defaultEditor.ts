import * as vscode from 'vscode';
import { Disposable } from '../../util/dispose';

/**
 * The caption editor is the default editor for captions in the training-folder layout: package.json gives
 * it `"priority": "default"` for these patterns (VS Code matches a pattern with a `/` against the whole
 * path). A static contribution cannot be switched off, so `loraWorkbench.captionEditor.default: false`
 * writes VS Code's own override, `workbench.editorAssociations` → "default" (the text editor), for the same
 * patterns and in the same scope (user or workspace) where the user turned it off; turning it back on
 * removes exactly those entries. Keep CAPTION_PATTERNS in step with package.json `customEditors`.
 */
export const CAPTION_PATTERNS = ['**/images/*_*/*.txt', '**/reg/*_*/*.txt'];
const SETTING = 'loraWorkbench.captionEditor.default';
const ASSOCIATIONS = 'workbench.editorAssociations';
const TEXT_EDITOR = 'default';

export class DefaultEditorSetting extends Disposable {
	constructor(private readonly log: vscode.LogOutputChannel) {
		super();
		this.register(vscode.workspace.onDidChangeConfiguration((event) => {
			if (event.affectsConfiguration(SETTING)) {
				void this.apply();
			}
		}));
		void this.apply();
	}

	/** Resolves when the associations match the setting in every scope. */
	public async apply(): Promise<void> {
		const config = vscode.workspace.getConfiguration();
		const setting = config.inspect<boolean>(SETTING);
		const associations = config.inspect<Record<string, string>>(ASSOCIATIONS);
		const scopes: Array<[vscode.ConfigurationTarget, boolean | undefined, Record<string, string> | undefined]> = [
			[vscode.ConfigurationTarget.Global, setting?.globalValue, associations?.globalValue],
		];
		if (vscode.workspace.workspaceFolders?.length) {
			scopes.push([vscode.ConfigurationTarget.Workspace, setting?.workspaceValue, associations?.workspaceValue]);
		}
		for (const [target, enabled, current] of scopes) {
			const next = { ...(current ?? {}) };
			for (const pattern of CAPTION_PATTERNS) {
				if (enabled === false) {
					next[pattern] = TEXT_EDITOR;
				} else if (next[pattern] === TEXT_EDITOR) {
					delete next[pattern];
				}
			}
			if (JSON.stringify(next) !== JSON.stringify(current ?? {})) {
				try {
					await config.update(ASSOCIATIONS, Object.keys(next).length ? next : undefined, target);
				} catch (err) {
					this.log.warn(`Could not update ${ASSOCIATIONS}: ${err instanceof Error ? err.message : String(err)}`);
				}
			}
		}
	}
}
