import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingsCompletions } from '../../src/core/training/settingsCompletion';
import { settingsDiagnostics } from '../../src/core/training/settingsDiagnostics';

function at(text: string, start: number, end: number): string {
	return text.slice(start, end);
}

test('bad training settings sit on their lines: unknown keys on the key (kohya\'s epoch: gets a rename to epochs:), bad values on the value', () => {
	const text = [
		'trigger: d1ag',
		'training:',
		'  epoch: 10',
		'  batchSize: two',
		'  network_dim: 16',
		'  sample:',
		'    width: 12',
		'',
	].join('\n');
	const found = settingsDiagnostics(text);
	assert.deepEqual(found.map((d) => [d.code, d.severity, at(text, d.start, d.end)]), [
		['settings/unknown-key', 'warning', 'epoch'],
		['settings/bad-value', 'error', 'two'],
		['settings/unknown-key', 'warning', 'network_dim'],
		['settings/bad-value', 'error', '12'],
	]);
	assert.equal(found[0].message, 'unknown setting training.epoch (did you mean epochs?); it is ignored');
	assert.deepEqual(found[0].fix && { title: found[0].fix.title, old: at(text, found[0].fix.start, found[0].fix.end), newText: found[0].fix.newText }, { title: 'Rename to epochs', old: 'epoch', newText: 'epochs' });
	assert.equal(found[2].fix?.newText, 'networkDim');
	assert.equal(found[1].message, 'training.batchSize must be a whole number (got "two"); using 1');
	assert.equal(found[1].fix, undefined, 'no guess at a value');
});

test('the removed base model id is an info with a fix; broken YAML is one error; no training section, nothing', () => {
	const text = 'training:\n  baseModel: runwayml/stable-diffusion-v1-5\n';
	const [note] = settingsDiagnostics(text);
	assert.equal(note.code, 'settings/removed-model');
	assert.equal(note.severity, 'info');
	assert.equal(note.fix?.newText, 'stable-diffusion-v1-5/stable-diffusion-v1-5');
	assert.equal(at(text, note.start, note.end), 'runwayml/stable-diffusion-v1-5');
	const broken = settingsDiagnostics('training:\n  epochs: [1\n');
	assert.equal(broken.length >= 1, true);
	assert.equal(broken[0].code, 'settings/yaml');
	assert.deepEqual(settingsDiagnostics('trigger: x\n'), []);
});

test('completion offers the training keys by the indentation above, values of enums and booleans, nothing outside training:', () => {
	const text = 'trigger: c0mpl\ntraining:\n  epochs: 3\n  \n  sample:\n    \n  attention: \n';
	const keysAt = (marker: number) => settingsCompletions(text, marker).map((c) => c.label);
	const trainingLine = text.indexOf('  \n  sample') + 2;
	const training = keysAt(trainingLine);
	assert.ok(training.includes('batchSize') && training.includes('learningRate'), training.join(' '));
	assert.ok(!training.includes('epochs'), 'a key already there is not offered again');
	assert.match(settingsCompletions(text, trainingLine).find((c) => c.label === 'networkDim')!.documentation, /network_dim/);
	const sampleLine = text.indexOf('    \n') + 4;
	assert.ok(keysAt(sampleLine).includes('everyNEpochs'));
	assert.ok(!keysAt(sampleLine).includes('batchSize'));
	assert.deepEqual(keysAt(text.indexOf('attention: ') + 'attention: '.length), ['sdpa', 'xformers', 'none']);
	assert.deepEqual(settingsCompletions('trigger: x\n', 0), []);
});
