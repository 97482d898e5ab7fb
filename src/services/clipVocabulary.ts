import * as vscode from 'vscode';
import { ClipVocabularyOptions, defaultClipVocabulary } from '../core/clipTokenizer';

/** Where the CLIP vocabulary comes from: the setting, LORA_WORKBENCH_CLIP_VOCAB, else the shared cache (downloaded once). */
export function clipVocabularyOption(): ClipVocabularyOptions {
	const path = vscode.workspace.getConfiguration('loraWorkbench').get<string>('lint.clipVocabulary')?.trim();
	return path ? { path } : defaultClipVocabulary();
}
