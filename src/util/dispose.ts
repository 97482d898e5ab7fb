import * as vscode from 'vscode';

export function disposeAll(disposables: vscode.Disposable[]): void {
	while (disposables.length) {
		disposables.pop()?.dispose();
	}
}

/** Base class for everything that owns resources: register them once, dispose them together. */
export abstract class Disposable implements vscode.Disposable {
	private isDisposed = false;
	protected readonly disposables: vscode.Disposable[] = [];

	public dispose(): void {
		if (this.isDisposed) {
			return;
		}
		this.isDisposed = true;
		disposeAll(this.disposables);
	}

	protected register<T extends vscode.Disposable>(value: T): T {
		if (this.isDisposed) {
			value.dispose();
		} else {
			this.disposables.push(value);
		}
		return value;
	}

	protected get disposed(): boolean {
		return this.isDisposed;
	}
}

/** Holds one disposable at a time, disposing the previous when replaced. */
export class DisposableValue<T extends vscode.Disposable> implements vscode.Disposable {
	private current: T | undefined;

	public get value(): T | undefined {
		return this.current;
	}

	public set value(next: T | undefined) {
		if (this.current !== next) {
			this.current?.dispose();
		}
		this.current = next;
	}

	public dispose(): void {
		this.value = undefined;
	}
}
