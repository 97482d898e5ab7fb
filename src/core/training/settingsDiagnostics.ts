import { isMap, isScalar, parseDocument, Node, Pair } from 'yaml';
import { REMOVED_SD15_MODEL_ID, SD15_MODEL_ID } from './sd15Model';
import { readTrainingSection } from './trainingFields';

/**
 * Problems of the `training:` section of lora-workbench.yaml placed on its lines, for the Problems panel: the
 * same reader the training uses (readTrainingSection), so what the editor marks is what the preflight would say.
 */
export interface SettingsDiagnostic {
	/** Offsets into the text. */
	start: number;
	end: number;
	message: string;
	severity: 'error' | 'warning' | 'info';
	/** `settings/unknown-key`, `settings/bad-value`, `settings/yaml`, `settings/removed-model`, `settings/note`. */
	code: string;
	/** A replacement that fixes it, when one is obvious (rename `epoch:` to `epochs:`). */
	fix?: { title: string; start: number; end: number; newText: string };
}

function pairAt(node: unknown, key: string): Pair<Node, Node> | undefined {
	if (!isMap(node)) {
		return undefined;
	}
	return node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key) as Pair<Node, Node> | undefined;
}

/** The key and value nodes of a dotted path (`training.sample.width`). */
function locate(root: unknown, path: string): { key?: Node; value?: Node } {
	let node: unknown = root;
	let found: Pair<Node, Node> | undefined;
	for (const segment of path.split('.')) {
		found = pairAt(node, segment);
		if (!found) {
			break;
		}
		node = found.value;
	}
	return { key: found?.key ?? undefined, value: found?.value ?? undefined };
}

function rangeOf(node: Node | undefined): [number, number] | undefined {
	return node?.range ? [node.range[0], node.range[1]] : undefined;
}

export function settingsDiagnostics(text: string): SettingsDiagnostic[] {
	const doc = parseDocument(text);
	if (doc.errors.length) {
		// The reader would not see the file at all: the YAML error first, nothing else until it is fixed.
		return doc.errors.map((err) => ({
			start: err.pos[0], end: Math.max(err.pos[1], err.pos[0] + 1), severity: 'error' as const, code: 'settings/yaml',
			message: `lora-workbench.yaml is not valid YAML: ${err.message.split('\n')[0]}. The training settings in it are not read until this is fixed.`,
		}));
	}
	const contents = doc.contents;
	const training = pairAt(contents, 'training');
	if (!training) {
		return [];
	}
	const raw = (doc.toJS() as Record<string, unknown> | null)?.training;
	const { problems, noted } = readTrainingSection(raw);
	const out: SettingsDiagnostic[] = [];
	for (const problem of problems) {
		const { key, value } = locate(contents, problem.path);
		const range = (problem.kind === 'unknown-key' ? rangeOf(key) : rangeOf(value) ?? rangeOf(key)) ?? rangeOf(training.key ?? undefined) ?? [0, 0];
		const diagnostic: SettingsDiagnostic = {
			start: range[0], end: range[1], message: problem.message, code: `settings/${problem.kind ?? 'bad-value'}`,
			severity: problem.kind === 'unknown-key' ? 'warning' : 'error',
		};
		if (problem.kind === 'unknown-key' && problem.suggestion && key && isScalar(key) && key.range) {
			diagnostic.fix = { title: `Rename to ${problem.suggestion}`, start: key.range[0], end: key.range[1], newText: problem.suggestion };
		}
		out.push(diagnostic);
	}
	// Values read differently from how they are written (a missing dot added); the removed model has its own below.
	for (const note of noted.filter((n) => n.path !== 'training.baseModel')) {
		const { key, value } = locate(contents, note.path);
		const range = rangeOf(value) ?? rangeOf(key) ?? [0, 0];
		out.push({ start: range[0], end: range[1], severity: 'info', code: 'settings/note', message: note.message });
	}
	const model = locate(contents, 'training.baseModel').value;
	if (model && isScalar(model) && String(model.value).trim() === REMOVED_SD15_MODEL_ID && model.range) {
		out.push({
			start: model.range[0], end: model.range[1], severity: 'info', code: 'settings/removed-model',
			message: `${REMOVED_SD15_MODEL_ID} was removed from Hugging Face in 2024; training uses the maintained copy ${SD15_MODEL_ID} (the same weights).`,
			fix: { title: `Use ${SD15_MODEL_ID}`, start: model.range[0], end: model.range[1], newText: SD15_MODEL_ID },
		});
	}
	return out;
}
