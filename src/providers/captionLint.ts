import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { CaptionCodeActions } from './captionCodeActions';
import { CaptionDiagnostics } from './captionDiagnostics';

/** The `lora` problems of every caption and their quick fixes (which read the linter the diagnostics use). */
export class CaptionLint extends Disposable {
	public readonly diagnostics: CaptionDiagnostics;
	public readonly codeActions: CaptionCodeActions;

	public static register(services: WorkbenchServices): CaptionLint {
		return new CaptionLint(services);
	}

	private constructor(services: WorkbenchServices) {
		super();
		this.diagnostics = this.register(CaptionDiagnostics.register(services));
		this.codeActions = this.register(CaptionCodeActions.register(services, this.diagnostics));
	}
}
