/**
 * sd-scripts' sample-prompt `.txt` format (reference §10): one prompt per line, blank lines and lines starting
 * with `#` skipped, options after ` --`: w, h, d, s (ints), l, g (floats), n (text), ss (sampler), cn, ctr, rcfg, fs.
 */

export interface SamplePrompt {
	/** 0-based line number in the file. */
	line: number;
	/** Index among the prompts, as in the sample file names. */
	index: number;
	prompt: string;
	negative?: string;
	width: number;
	height: number;
	seed?: number;
	steps: number;
	scale: number;
	sampler?: string;
}

export interface SamplePromptProblem {
	line: number;
	column: number;
	endColumn: number;
	severity: 'error' | 'warning' | 'info';
	code: string;
	message: string;
}

export interface ParsedSamplePrompts {
	prompts: SamplePrompt[];
	problems: SamplePromptProblem[];
}

export const SAMPLERS = ['ddim', 'pndm', 'lms', 'euler', 'euler_a', 'heun', 'dpm_2', 'dpm_2_a', 'dpmsolver', 'dpmsolver++',
	'dpmsingle', 'k_lms', 'k_euler', 'k_euler_a', 'k_dpm_2', 'k_dpm_2_a'];

const INT_OPTIONS = new Set(['w', 'h', 'd', 's']);
const FLOAT_OPTIONS = new Set(['l', 'g']);
const TEXT_OPTIONS = new Set(['n', 'ss', 'cn', 'ctr', 'rcfg', 'fs']);

export function parseSamplePrompts(text: string, trigger?: string): ParsedSamplePrompts {
	const prompts: SamplePrompt[] = [];
	const problems: SamplePromptProblem[] = [];
	text.split(/\r\n|\r|\n/).forEach((raw, line) => {
		if (raw.trim().length === 0 || raw.startsWith('#')) {
			return;
		}
		const segments = raw.split(' --');
		const prompt: SamplePrompt = { line, index: prompts.length, prompt: segments[0].trim(), width: 512, height: 512, steps: 30, scale: 7.5 };
		let column = segments[0].length;
		for (const segment of segments.slice(1)) {
			const start = column + 3;
			column += 3 + segment.length;
			const match = /^(ss|cn|ctr|rcfg|fs|[whdslgn])\s+(.*)$/i.exec(segment);
			const problem = (code: string, message: string, severity: SamplePromptProblem['severity'] = 'error') =>
				problems.push({ line, column: start - 2, endColumn: column, severity, code, message });
			if (!match) {
				problem('unknown-option', `"--${segment.split(/\s/)[0]}" is not a sample option sd-scripts reads (it takes --n, --w, --h, --d, --l, --s, --ss); the text is ignored.`, 'warning');
				continue;
			}
			const option = match[1].toLowerCase();
			const value = match[2].trim();
			if (INT_OPTIONS.has(option)) {
				if (!/^-?\d+$/.test(value)) {
					problem('bad-number', `--${option} needs a whole number, got "${value}": sd-scripts stops with a ValueError.`);
					continue;
				}
				const n = Number(value);
				if (option === 'w' || option === 'h') {
					if (n < 64) {
						problem('bad-size', `--${option} ${n} is below 64; sd-scripts raises it to 64.`, 'warning');
					} else if (n % 8 !== 0) {
						problem('bad-size', `--${option} ${n} is not a multiple of 8; sd-scripts rounds it down to ${n - (n % 8)}.`, 'warning');
					}
					prompt[option === 'w' ? 'width' : 'height'] = Math.max(64, n - (n % 8));
				} else if (option === 'd') {
					prompt.seed = n;
				} else {
					if (n < 1 || n > 1000) {
						problem('bad-steps', `--s ${n} is outside 1-1000; sd-scripts clamps it.`, 'warning');
					}
					prompt.steps = Math.min(1000, Math.max(1, n));
				}
			} else if (FLOAT_OPTIONS.has(option)) {
				if (!/^-?\d*\.?\d+(e[-+]?\d+)?$/i.test(value)) {
					problem('bad-number', `--${option} needs a number, got "${value}": sd-scripts stops with a ValueError.`);
					continue;
				}
				if (option === 'l') {
					prompt.scale = Number(value);
				} else {
					problem('unused-option', '--g (guidance) is for FLUX; SD1.5 ignores it. Use --l for the CFG scale.', 'info');
				}
			} else if (TEXT_OPTIONS.has(option)) {
				if (option === 'n') {
					prompt.negative = value;
				} else if (option === 'ss') {
					if (!SAMPLERS.includes(value.toLowerCase())) {
						problem('unknown-sampler', `sampler "${value}" is not one of sd-scripts' samplers (${SAMPLERS.join(', ')}).`);
					}
					prompt.sampler = value;
				}
			}
		}
		if (prompt.prompt.length === 0) {
			problems.push({ line, column: 0, endColumn: raw.length, severity: 'error', code: 'empty-prompt', message: 'This line has options but no prompt text.' });
		}
		if (trigger && !prompt.prompt.toLowerCase().includes(trigger.toLowerCase())) {
			problems.push({ line, column: 0, endColumn: segments[0].length, severity: 'warning', code: 'missing-trigger', message: `The prompt lacks the trigger word "${trigger}", so its samples will not show what the LoRA learned.` });
		}
		prompts.push(prompt);
	});
	return { prompts, problems };
}

/** A starting prompt file for a person LoRA: the trigger in every prompt, fixed seeds so epochs compare. */
export function defaultSamplePrompts(trigger: string, classWord: string, outputName = trigger): string {
	return [
		`# Sample prompts for ${outputName}: one prompt per line, options --n negative, --w/--h size, --d seed, --l CFG scale, --s steps.`,
		'# Fixed seeds make the epochs comparable. sd-scripts samples at LoRA strength 1.0; when you use the LoRA,',
		`# the guide's advice is strength 0.7-0.8, e.g. <lora:${outputName}:0.75>.`,
		`${trigger} ${classWord}, portrait, looking at viewer, high quality --n lowres, blurry, bad anatomy --w 512 --h 512 --d 1234 --l 7 --s 28`,
		`${trigger} ${classWord}, upper body, smiling, outdoors --n lowres, blurry, bad anatomy --w 512 --h 768 --d 5678 --l 7 --s 28`,
		`${trigger} ${classWord}, full body, standing, city street --n lowres, blurry, bad anatomy --w 512 --h 768 --d 42 --l 7 --s 28`,
		'',
	].join('\n');
}
