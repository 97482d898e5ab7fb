import { TokenCounter } from '../clipTokenizer';
import { TagVocabulary } from '../vocabulary';
import { RuleSetting } from './lintSettings';
import { ruleInfo } from './rules';
import { ConflictGroup, LintSeverity } from './types';
import type { ModelFamily } from '../training/trainingSettings';

/** Everything a caption rule may need to know about the caption's dataset and subset. */
export interface CaptionContext {
	trigger?: string;
	/** The subject's class word (woman, man...), for class conflicts. */
	classWord?: string;
	/** Regularisation captions describe other people: trigger, class and costume rules do not apply. */
	isReg: boolean;
	shuffleCaption: boolean;
	keepTokens: number;
	/** sd-scripts' `weighted_captions`: only then is `(tag:1.2)` read as a weight. */
	weightedCaptions: boolean;
	/** Content tokens sd-scripts keeps: 75, or max_token_length (150 / 225). */
	maxTokens: number;
	/**
	 * The folder's model family (training.model; sd15 when left out). Flux.1 reads captions with T5 (t5MaxTokens,
	 * 512 by default) instead of CLIP's 75, and is trained on sentences as often as on tags.
	 */
	model?: ModelFamily;
	/** Flux.1: the T5 tokens flux_train_network.py keeps (t5xxl_max_token_length; 512 for Flux.1 dev). */
	t5MaxTokens?: number;
	tokenCounter: TokenCounter;
	vocabulary?: TagVocabulary;
	/** The dataset's prevailing way of writing multi-word tags; undefined: decide within the caption. */
	tagStyle?: 'underscore' | 'space';
	bakedTraits: readonly string[];
	conflictGroups: readonly ConflictGroup[];
}

/** Which rules run and how severe they are: the settings' `lint.rules`, narrowed by `--rules`. */
export class RuleSelection {
	/** Severities without a rule's own suggestion, by code: asked for every rule of every caption. */
	private readonly settled = new Map<string, LintSeverity | undefined>();

	constructor(private readonly configured: Readonly<Record<string, RuleSetting>> = {}, private readonly only?: ReadonlySet<string>) {}

	/** Whether any of the family's codes is on, settled once per list of codes. */
	private readonly families = new Map<readonly string[], boolean>();

	enabled(code: string): boolean {
		return this.severity(code) !== undefined;
	}

	anyEnabled(codes: readonly string[]): boolean {
		let enabled = this.families.get(codes);
		if (enabled === undefined) {
			enabled = codes.some((code) => this.enabled(code));
			this.families.set(codes, enabled);
		}
		return enabled;
	}

	/** The severity to report with, or undefined when the rule is off. A rule's own suggestion applies only when the user set none. */
	severity(code: string, suggested?: LintSeverity): LintSeverity | undefined {
		if (suggested === undefined) {
			if (!this.settled.has(code)) {
				this.settled.set(code, this.resolve(code, undefined));
			}
			return this.settled.get(code);
		}
		return this.resolve(code, suggested);
	}

	private resolve(code: string, suggested: LintSeverity | undefined): LintSeverity | undefined {
		if (this.only && !this.only.has(code)) {
			return undefined;
		}
		const setting = this.configured[code];
		if (setting === 'off') {
			return undefined;
		}
		return setting ?? suggested ?? ruleInfo(code)?.severity;
	}
}
