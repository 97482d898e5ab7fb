/**
 * The WD14 tagger models the kohya_ss GUI offers (kohya-gui.md, wd14_caption_gui.py), by Hugging Face
 * repository id. Each repository holds `model.onnx` and `selected_tags.csv` at its root.
 */
export interface KnownTaggerModel {
	repoId: string;
	label: string;
	generation: 'v2' | 'v3';
}

export const KNOWN_TAGGER_MODELS: readonly KnownTaggerModel[] = [
	{ repoId: 'SmilingWolf/wd-v1-4-convnextv2-tagger-v2', label: 'ConvNeXt V2 (v2)', generation: 'v2' },
	{ repoId: 'SmilingWolf/wd-v1-4-convnext-tagger-v2', label: 'ConvNeXt (v2)', generation: 'v2' },
	{ repoId: 'SmilingWolf/wd-v1-4-vit-tagger-v2', label: 'ViT (v2)', generation: 'v2' },
	{ repoId: 'SmilingWolf/wd-v1-4-swinv2-tagger-v2', label: 'SwinV2 (v2)', generation: 'v2' },
	{ repoId: 'SmilingWolf/wd-v1-4-moat-tagger-v2', label: 'MOAT (v2)', generation: 'v2' },
	{ repoId: 'SmilingWolf/wd-swinv2-tagger-v3', label: 'SwinV2 (v3)', generation: 'v3' },
	{ repoId: 'SmilingWolf/wd-vit-tagger-v3', label: 'ViT (v3)', generation: 'v3' },
	{ repoId: 'SmilingWolf/wd-convnext-tagger-v3', label: 'ConvNeXt (v3)', generation: 'v3' },
	{ repoId: 'SmilingWolf/wd-eva02-large-tagger-v3', label: 'EVA02 Large (v3)', generation: 'v3' },
];

/** The kohya_ss GUI's default (sd-scripts' own script defaults to the older convnext-tagger-v2). */
export const DEFAULT_TAGGER_MODEL = 'SmilingWolf/wd-v1-4-convnextv2-tagger-v2';

export const MODEL_FILES = ['model.onnx', 'selected_tags.csv'] as const;

export const HUGGING_FACE_ENDPOINT = 'https://huggingface.co';

/** `owner/name`: the only form we download (a third segment selects another format in sd-scripts). */
export function isValidRepoId(repoId: string): boolean {
	return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repoId) && !repoId.includes('..');
}

/** Cache folder name, as sd-scripts names its local copy: the repository id with "/" replaced by "_". */
export function cacheFolderName(repoId: string): string {
	return repoId.replace(/\//g, '_');
}

export function resolveUrl(endpoint: string, repoId: string, file: string, revision = 'main'): string {
	return `${endpoint.replace(/\/+$/, '')}/${repoId}/resolve/${revision}/${file}`;
}
