import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { TagRow, TagTable } from '../core/tagStats';
import type { DatasetTagSummary } from '../core/tagStatsSummary';
import { percent, tagTooltipText } from '../core/tagTooltip';
import { countOf } from '../core/plural';

export type TagGroup = 'every' | 'single' | 'flagged' | 'stats' | 'subsets' | 'all';

/** A linter finding on a tag: which tag, which rule, in how many captions. */
export interface FlaggedTag {
	key: string;
	label: string;
	code: string;
	message: string;
	severity: vscode.DiagnosticSeverity;
	files: string[];
}

export type TagsNode =
	| { kind: 'folder'; root: string }
	| { kind: 'group'; root: string; group: TagGroup }
	| { kind: 'subset'; root: string; index: number }
	/** `subsetIndex` set: the count is the subset's. */
	| { kind: 'tag'; root: string; tag: string; key: string; subsetIndex?: number }
	| { kind: 'flagged'; root: string; tag: string; key: string; code: string }
	| { kind: 'stat'; root: string; id: string; label: string; description?: string; tooltip?: string; icon?: string };

const GROUPS: Record<TagGroup, { label: string; icon: string; tooltip: string }> = {
	every: { label: 'In every image', icon: 'check-all', tooltip: 'Tags in every captioned training image: bake them into the trigger word (remove them) or keep them on purpose.' },
	single: { label: 'In one image', icon: 'circle-small', tooltip: 'Tags in exactly one image: often typos or tagger strays.' },
	flagged: { label: 'Flagged by the linter', icon: 'warning', tooltip: 'Tags the caption linter reports (Problems panel, source "lora").' },
	stats: { label: 'Statistics', icon: 'graph', tooltip: 'Images per subset, face:body ratio, most frequent tags, costume co-occurrence.' },
	subsets: { label: 'By subset', icon: 'folder', tooltip: 'The tags of each subset with their counts.' },
	all: { label: 'All tags', icon: 'tag', tooltip: 'Every tag with the number of images that have it.' },
};

export { percent };

export function folderItem(root: string): vscode.TreeItem {
	const item = new vscode.TreeItem(basename(root), vscode.TreeItemCollapsibleState.Expanded);
	item.id = `tags-folder:${root}`;
	item.description = root;
	item.iconPath = new vscode.ThemeIcon('root-folder');
	return item;
}

export function groupItem(root: string, group: TagGroup, count: number | undefined): vscode.TreeItem {
	const meta = GROUPS[group];
	const collapsed = group === 'all' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
	const item = new vscode.TreeItem(meta.label, count === 0 ? vscode.TreeItemCollapsibleState.None : collapsed);
	item.id = `tags-group:${root}:${group}`;
	item.description = count === undefined ? undefined : String(count);
	item.tooltip = meta.tooltip;
	item.iconPath = new vscode.ThemeIcon(meta.icon);
	item.contextValue = `loraTagGroup.${group}`;
	return item;
}

export function subsetItem(root: string, table: TagTable, index: number): vscode.TreeItem {
	const subset = table.subsets[index];
	const item = new vscode.TreeItem(subset.name, vscode.TreeItemCollapsibleState.Collapsed);
	item.id = `tags-subset:${root}:${subset.name}:${subset.isReg}`;
	item.description = `${subset.role} · ${countOf(subset.images, 'image')}`;
	item.iconPath = new vscode.ThemeIcon(subset.isReg ? 'library' : 'folder');
	return item;
}

export function tagItem(node: Extract<TagsNode, { kind: 'tag' }>, row: TagRow, table: TagTable): vscode.TreeItem {
	const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
	item.id = `tags-tag:${node.root}:${node.subsetIndex ?? 'all'}:${row.key}`;
	if (node.subsetIndex === undefined) {
		item.description = `${row.count} · ${percent(row.share)}`;
	} else {
		const subset = table.subsets[node.subsetIndex];
		const count = row.perSubset[node.subsetIndex];
		item.description = `${count} · ${percent(subset.captioned ? count / subset.captioned : 0)}`;
	}
	// Tag and subset names are user data: appended as text (escaped, no theme icons), never as Markdown or
	// HTML, as the Dataset view does, so a caption like `<img src=x onerror=...>` shows as written.
	const tooltip = new vscode.MarkdownString();
	tooltip.appendText(tagTooltipText(row, table));
	item.tooltip = tooltip;
	item.iconPath = new vscode.ThemeIcon(row.inEveryImage ? 'check-all' : row.singleImage ? 'circle-small' : 'tag');
	item.contextValue = 'loraTag';
	item.command = { command: 'loraWorkbench.showTagInGallery', title: 'Show in Gallery', arguments: [{ root: node.root, tag: row.label }] };
	return item;
}

export function flaggedItem(node: Extract<TagsNode, { kind: 'flagged' }>, flagged: FlaggedTag): vscode.TreeItem {
	const item = new vscode.TreeItem(flagged.label, vscode.TreeItemCollapsibleState.None);
	item.id = `tags-flagged:${node.root}:${flagged.key}:${flagged.code}`;
	item.description = `${flagged.files.length} · ${flagged.code}`;
	item.tooltip = `${flagged.message}\n\n${countOf(flagged.files.length, 'caption')}. Click to show them in the gallery.`;
	const error = flagged.severity === vscode.DiagnosticSeverity.Error;
	item.iconPath = new vscode.ThemeIcon(error ? 'error' : 'warning', new vscode.ThemeColor(error ? 'problemsErrorIcon.foreground' : 'problemsWarningIcon.foreground'));
	item.contextValue = 'loraTag';
	item.command = { command: 'loraWorkbench.showTagInGallery', title: 'Show in Gallery', arguments: [{ root: node.root, tag: flagged.label }] };
	return item;
}

export function statItem(node: Extract<TagsNode, { kind: 'stat' }>): vscode.TreeItem {
	const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
	item.id = `tags-stat:${node.root}:${node.id}`;
	item.description = node.description;
	item.tooltip = node.tooltip;
	item.iconPath = node.icon ? new vscode.ThemeIcon(node.icon) : undefined;
	return item;
}

/** The Statistics group's lines. */
export function statNodes(root: string, summary: DatasetTagSummary): Array<Extract<TagsNode, { kind: 'stat' }>> {
	const nodes: Array<Extract<TagsNode, { kind: 'stat' }>> = [];
	for (const subset of summary.imagesPerSubset) {
		nodes.push({ kind: 'stat', root, id: `images:${subset.name}:${subset.isReg}`, label: subset.name, description: `${countOf(subset.images, 'image')} (${subset.role}), ${subset.captioned} captioned`, icon: 'file-media' });
	}
	nodes.push({
		kind: 'stat', root, id: 'ratio', icon: 'symbol-ruler',
		label: summary.faceBodyRatio === undefined ? 'Face:body ratio: no body subset' : `Face:body ${summary.faceBodyRatio.toFixed(2)}:1`,
		description: `${summary.faceImages} face, ${summary.bodyImages} body images`,
	});
	for (const top of summary.topTagsPerSubset) {
		nodes.push({
			kind: 'stat', root, id: `top:${top.subset}`, icon: 'list-ordered', label: `Most frequent in ${top.subset}`,
			description: top.tags.slice(0, 5).map((t) => t.label).join(', '),
			tooltip: top.tags.map((t) => `${t.label}: ${t.count} (${percent(t.share)})`).join('\n'),
		});
	}
	for (const costume of summary.costumes) {
		nodes.push({
			kind: 'stat', root, id: `costume:${costume.tag}`, icon: 'person', label: `Costume "${costume.tag}" (${countOf(costume.images, 'image')}) comes with`,
			description: costume.coTags.slice(0, 5).map((t) => `${t.label} ${percent(t.share)}`).join(', ') || 'nothing else',
			tooltip: `${costume.source === 'settings' ? 'Declared in lora-workbench.yaml (coverage.costumes).' : 'Found in a costume subset.'} Tags that always come with the costume are learned as part of it.\n\n${costume.coTags.map((t) => `${t.label}: ${t.count} of ${costume.images} (${percent(t.share)})`).join('\n')}`,
		});
	}
	return nodes;
}
