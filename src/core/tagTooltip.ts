import type { TagRow, TagTable } from './tagStats';

export function percent(share: number): string {
	return share > 0 && share < 0.01 ? '<1%' : `${Math.round(share * 100)}%`;
}

/**
 * The Tags view's tooltip for one tag, as plain text: the view appends it with MarkdownString.appendText, so
 * tag and subset names (user data) are never read as Markdown or HTML.
 */
export function tagTooltipText(row: TagRow, table: TagTable): string {
	const lines = [`${row.label}: ${row.count} of ${table.captionedImages} captioned training images (${percent(row.share)})`, ''];
	table.subsets.forEach((subset, i) => {
		if (row.perSubset[i] > 0) {
			lines.push(`${subset.name}: ${row.perSubset[i]} images (${percent(subset.captioned ? row.perSubset[i] / subset.captioned : 0)})`);
		}
	});
	if (row.inEveryImage) {
		lines.push('', 'In every image: consider baking it into the trigger (remove it) or keeping it on purpose.');
	}
	if (row.singleImage) {
		lines.push('', 'In only one image: a typo or a stray?');
	}
	return lines.join('\n');
}
