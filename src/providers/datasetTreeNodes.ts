import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { DatasetImage, DatasetProblem, Subset, TrainingFolder } from '../core/dataset';
import type { GuideCheck } from '../core/datasetChecks';
import { countOf } from '../core/plural';
import { NOTICEABLE_CUT, describePlacement } from '../core/bucketPreview';
import { folderDescription, subsetDescription } from './datasetTreeText';

/** Images per page under a subset: a 20,000-image subset must not send 20,000 items at once. */
export const IMAGE_PAGE_SIZE = 500;

export type DatasetNode =
	| { kind: 'folder'; root: string }
	| { kind: 'summary'; root: string }
	| { kind: 'detail'; root: string; id: string; label: string; description?: string; check?: GuideCheck; problem?: DatasetProblem }
	| { kind: 'problems'; root: string }
	| { kind: 'subset'; root: string; dir: string }
	| { kind: 'image'; root: string; dir: string; path: string }
	| { kind: 'more'; root: string; dir: string; shown: number };

/** The one-line summary: steps per epoch, total steps, epochs. */
export function summaryLabel(folder: TrainingFolder): string {
	const steps = folder.steps;
	if (!steps) {
		return 'Steps: not available';
	}
	return `${steps.stepsPerEpoch} steps/epoch · ${steps.totalSteps} total steps · ${steps.epochs} epochs`;
}

export function summaryDetails(folder: TrainingFolder): DatasetNode[] {
	const t = folder.training;
	const s = folder.steps;
	const rows: Array<[string, string]> = [];
	if (s) {
		rows.push(['num train images * repeats', String(s.trainImagesTimesRepeats)]);
		if (s.regImagesTimesRepeats > 0) {
			rows.push(['num reg images', `${s.regImagesTimesRepeats} (${s.regSamplesUsed} used per epoch)`]);
		}
		rows.push(['num batches per epoch', String(s.batchesPerEpoch)]);
	}
	rows.push(['batch size', String(t.batchSize)], ['gradient accumulation steps', String(t.gradientAccumulationSteps)],
		['GPUs', String(t.gpus)], ['buckets', t.enableBucket ? `on (${s?.buckets?.length ?? 0} in use)` : 'off'],
		['trigger', folder.trigger ? `${folder.trigger}${folder.triggerSource === 'subsets' ? ' (from subset names)' : ''}` : 'not set']);
	const details: DatasetNode[] = rows.map(([label, description]) => ({ kind: 'detail', root: folder.root, id: `row:${label}`, label, description }));
	for (const [i, check] of folder.checks.entries()) {
		details.push({ kind: 'detail', root: folder.root, id: `check:${i}:${check.code}`, label: check.message, check });
	}
	return details;
}

function problemIcon(severity: DatasetProblem['severity']): vscode.ThemeIcon {
	return severity === 'error' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
		: severity === 'warning' ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
			: new vscode.ThemeIcon('info');
}

/** Problems other features reported (lint, image checks) for the image or its caption, source `lora`. */
export function imageDiagnostics(image: DatasetImage): vscode.Diagnostic[] {
	return [vscode.Uri.file(image.path), vscode.Uri.file(image.captionPath)]
		.flatMap((uri) => vscode.languages.getDiagnostics(uri))
		.filter((d) => d.source === 'lora');
}

/** `buckets`: the folder trains with buckets on, so the row names each image's bucket even when nothing is cut. */
export function imageItem(image: DatasetImage, subset: Subset, buckets = false): vscode.TreeItem {
	const item = new vscode.TreeItem(image.name, vscode.TreeItemCollapsibleState.None);
	item.id = `image:${image.path}`;
	item.resourceUri = vscode.Uri.file(image.path);
	item.contextValue = 'loraImage';
	const diagnostics = imageDiagnostics(image);
	const errors = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
	const warnings = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length;
	const parts: string[] = [];
	if (image.captionProblem === 'empty') {
		parts.push('empty caption');
	} else if (image.captionProblem === 'not-utf8') {
		parts.push('caption not UTF-8');
	} else if (image.captionProblem === 'unreadable') {
		parts.push('caption unreadable');
	} else if (!image.hasCaption) {
		parts.push(`no caption (trains as "${subset.classTokens}")`);
	} else {
		parts.push(countOf(image.tagCount ?? 0, 'tag'));
	}
	const cut = image.bucket && (image.bucket.stops !== undefined || image.bucket.cutShare >= NOTICEABLE_CUT);
	if (image.bucket && (cut || buckets)) {
		// What sd-scripts will do with it, at a glance: its bucket (which varies only with buckets on), and what it cuts.
		const [bw, bh] = image.bucket.bucket;
		parts.push(image.bucket.stops ? `${bw}x${bh}: stops sd-scripts` : cut ? `${bw}x${bh}, ${Math.round(image.bucket.cutShare * 100)}% cut` : `${bw}x${bh}`);
	}
	if (errors + warnings > 0) {
		parts.push(countOf(errors + warnings, 'problem'));
	}
	item.description = parts.join(' · ');
	const broken = image.captionProblem !== undefined || errors > 0;
	item.iconPath = broken ? problemIcon('error')
		: warnings > 0 || !image.hasCaption ? problemIcon('warning')
			: new vscode.ThemeIcon('file-media');
	const tooltip = new vscode.MarkdownString(undefined, true);
	tooltip.appendText(`${image.path}\n`);
	tooltip.appendText(image.hasCaption ? `Caption: ${image.caption ?? '(unreadable)'}\n` : `No caption: sd-scripts trains it on "${subset.classTokens}"\n`);
	if (image.bucket && image.size) {
		tooltip.appendText(`sd-scripts: ${image.size[0]}x${image.size[1]} → ${describePlacement(image.bucket)}\n`);
	}
	for (const d of diagnostics) {
		const label = d.severity === vscode.DiagnosticSeverity.Error ? 'Error' : d.severity === vscode.DiagnosticSeverity.Warning ? 'Warning' : 'Info';
		tooltip.appendText(`\n${label}: ${d.message}`);
	}
	item.tooltip = tooltip;
	item.command = { command: 'loraWorkbench.openImageCaption', title: 'Open Caption Editor', arguments: [vscode.Uri.file(image.captionPath)] };
	return item;
}

export function subsetItem(subset: Subset): vscode.TreeItem {
	const item = new vscode.TreeItem(subset.isReg ? `reg/${subset.name}` : subset.name, subset.images.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
	item.id = `subset:${subset.dir}`;
	item.description = subsetDescription(subset);
	item.contextValue = 'loraSubset';
	item.resourceUri = vscode.Uri.file(subset.dir);
	const errors = subset.problems.filter((p) => p.severity === 'error');
	item.iconPath = errors.length > 0 ? problemIcon('error') : subset.problems.length > 0 ? problemIcon('warning') : new vscode.ThemeIcon(subset.isReg ? 'library' : 'folder');
	const captioned = subset.images.filter((i) => i.hasCaption).length;
	item.tooltip = [`${subset.dir}`, `repeats ${subset.repeats}, class tokens "${subset.classTokens}"`,
		`role ${subset.role}${subset.roleSource === 'guess' ? ' (guessed; set it in lora-workbench.yaml)' : ''}`,
		`${captioned} of ${subset.images.length} captioned`, ...subset.problems.map((p) => `${p.severity}: ${p.message}`)].join('\n');
	return item;
}

export function folderItem(folder: TrainingFolder): vscode.TreeItem {
	const item = new vscode.TreeItem(basename(folder.root), vscode.TreeItemCollapsibleState.Expanded);
	item.id = `folder:${folder.root}`;
	item.contextValue = 'loraFolder';
	item.resourceUri = vscode.Uri.file(folder.root);
	item.description = folderDescription(folder);
	item.tooltip = folder.root;
	item.iconPath = new vscode.ThemeIcon(folder.warnings.some((w) => w.severity === 'error') ? 'error' : 'root-folder');
	return item;
}

export function detailItem(node: Extract<DatasetNode, { kind: 'detail' }>): vscode.TreeItem {
	const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
	item.id = `${node.root}:${node.id}`;
	item.description = node.description;
	if (node.check) {
		item.iconPath = node.check.ok ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) : problemIcon('warning');
		item.contextValue = node.check.ok ? 'loraCheckOk' : 'loraCheckWarning';
	} else if (node.problem) {
		item.iconPath = problemIcon(node.problem.severity);
		item.tooltip = node.problem.message;
		if (node.problem.path) {
			item.resourceUri = vscode.Uri.file(node.problem.path);
			item.command = { command: 'revealInExplorer', title: 'Reveal', arguments: [vscode.Uri.file(node.problem.path)] };
		}
		if (node.problem.code === 'bucket-crop') {
			// One click to the fix: turn buckets on, or crop the pictures sd-scripts would cut.
			item.command = { command: 'loraWorkbench.fixBucketCrops', title: 'Fix', arguments: [node.root, node.problem.path] };
			item.tooltip = `${node.problem.message}\nClick to fix: turn buckets on, or crop them.`;
		}
		item.contextValue = 'loraProblem';
	}
	return item;
}
