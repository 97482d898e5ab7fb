/**
 * "Balance Repeats": repeats per subset that land near a step budget while keeping the share of samples
 * the user wants per role. Steps are computed the way sd-scripts does without buckets (reference §5):
 * steps/epoch = ceil(ceil(Σ images×repeats / batch) / gradient accumulation / gpus) — here through the
 * injected `stepsFor`, so the exact formula lives in one place (src/core/steps.ts).
 */

export interface BalanceSubset {
	name: string;
	role: string;
	images: number;
	repeats: number;
}

export interface BalanceInput {
	subsets: BalanceSubset[];
	budgetSteps: number;
	epochs: number;
	/** Wanted share of samples per subset (0-1, summing to 1). Default: the current shares. */
	shares?: Record<string, number>;
	/** Total optimisation steps for given repeats (exact sd-scripts math). */
	totalSteps: (repeats: Record<string, number>) => number;
}

export interface BalanceRow {
	name: string;
	role: string;
	images: number;
	repeatsBefore: number;
	repeatsAfter: number;
	shareBefore: number;
	shareAfter: number;
	wantedShare: number;
}

export interface BalanceProposal {
	rows: BalanceRow[];
	totalStepsBefore: number;
	totalStepsAfter: number;
	budgetSteps: number;
	/** True when no set of whole repeats reaches the budget within 10% (e.g. one image, large budget). */
	approximate: boolean;
	note?: string;
}

function shares(subsets: BalanceSubset[], repeats: (s: BalanceSubset) => number): Record<string, number> {
	const total = subsets.reduce((sum, s) => sum + s.images * repeats(s), 0);
	return Object.fromEntries(subsets.map((s) => [s.name, total ? (s.images * repeats(s)) / total : 0]));
}

export function proposeRepeats(input: BalanceInput): BalanceProposal {
	const subsets = input.subsets.filter((s) => s.images > 0);
	if (subsets.length === 0) {
		throw new Error('no subset with images to balance');
	}
	if (!(input.budgetSteps >= 1) || !(input.epochs >= 1)) {
		throw new Error('the step budget and the epochs must be at least 1');
	}
	const before = Object.fromEntries(input.subsets.map((s) => [s.name, s.repeats]));
	const totalStepsBefore = input.totalSteps(before);
	const wanted = input.shares ?? shares(subsets, (s) => s.repeats);
	const wantedSum = subsets.reduce((sum, s) => sum + (wanted[s.name] ?? 0), 0) || 1;

	// Samples per epoch that fit the budget, measured with the real step formula at repeats 1.
	const stepsPerSampleUnit = input.totalSteps(Object.fromEntries(input.subsets.map((s) => [s.name, 1])))
		/ Math.max(1, subsets.reduce((sum, s) => sum + s.images, 0));
	const samplesPerEpochTarget = input.budgetSteps / Math.max(stepsPerSampleUnit, 1e-9);

	// Real-valued ideal repeats, then a search over floor/ceil (and ±1) of each, scored by budget and share error.
	const ideal = subsets.map((s) => Math.max(1, (samplesPerEpochTarget * ((wanted[s.name] ?? 0) / wantedSum)) / s.images));
	const candidates = ideal.map((r) => [...new Set([Math.floor(r) - 1, Math.floor(r), Math.ceil(r), Math.ceil(r) + 1].filter((v) => v >= 1))]);
	let best: { repeats: number[]; score: number; steps: number } | undefined;
	const search = (i: number, chosen: number[]) => {
		if (i === candidates.length) {
			const repeats = Object.fromEntries(subsets.map((s, k) => [s.name, chosen[k]]));
			for (const s of input.subsets) {
				repeats[s.name] ??= s.repeats;
			}
			const steps = input.totalSteps(repeats);
			const got = shares(subsets, (s) => repeats[s.name]);
			const shareError = subsets.reduce((sum, s) => sum + Math.abs(got[s.name] - (wanted[s.name] ?? 0) / wantedSum), 0);
			const score = Math.abs(steps - input.budgetSteps) / input.budgetSteps + shareError;
			if (!best || score < best.score - 1e-12) {
				best = { repeats: [...chosen], score, steps };
			}
			return;
		}
		// Bounded search: with many subsets only floor/ceil are tried, to keep it small.
		for (const value of candidates.length > 8 ? candidates[i].slice(1, 3) : candidates[i]) {
			search(i + 1, [...chosen, value]);
		}
	};
	search(0, []);
	const after: Record<string, number> = { ...before };
	subsets.forEach((s, k) => { after[s.name] = best!.repeats[k]; });
	const sharesBefore = shares(subsets, (s) => s.repeats);
	const sharesAfter = shares(subsets, (s) => after[s.name]);
	const totalStepsAfter = input.totalSteps(after);
	const approximate = Math.abs(totalStepsAfter - input.budgetSteps) > input.budgetSteps * 0.1;
	return {
		rows: input.subsets.map((s) => ({
			name: s.name,
			role: s.role,
			images: s.images,
			repeatsBefore: s.repeats,
			repeatsAfter: after[s.name],
			shareBefore: sharesBefore[s.name] ?? 0,
			shareAfter: sharesAfter[s.name] ?? 0,
			wantedShare: (wanted[s.name] ?? 0) / wantedSum,
		})),
		totalStepsBefore,
		totalStepsAfter,
		budgetSteps: input.budgetSteps,
		approximate,
		note: approximate
			? `No whole repeats land within 10% of ${input.budgetSteps} steps (repeats are at least 1); the closest is ${totalStepsAfter}. ${totalStepsAfter > input.budgetSteps ? 'Fewer epochs or fewer images would get closer.' : 'More epochs or images would get closer.'}`
			: undefined,
	};
}

/** The subset folder name with new repeats: `24_3mm4w4ts0n woman` -> `4_3mm4w4ts0n woman`. */
export function renameWithRepeats(folderName: string, repeats: number): string {
	const underscore = folderName.indexOf('_');
	return underscore === -1 ? `${repeats}` : `${repeats}${folderName.slice(underscore)}`;
}
