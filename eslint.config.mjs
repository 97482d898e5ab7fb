// ESLint (flat config), run by `npm test` with --max-warnings 0. The rules are typescript-eslint's recommended set
// plus the few that vscode-eslint and vscode-hexeditor keep on their own code; type-aware rules are left out so the
// lint stays a few seconds on two cores (tsc checks types in the same run).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
	{
		ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '**/*.vsix', 'media/**', '.vscode-test/**'],
	},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.ts'],
		rules: {
			curly: 'warn',
			eqeqeq: ['warn', 'always', { null: 'ignore' }],
			'no-throw-literal': 'warn',
			'prefer-const': 'warn',
			// Matching control characters is the point where it is used: names, captions and trainer output are
			// checked for them or cleaned of them.
			'no-control-regex': 'off',
			'@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
		},
	},
	{
		files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
		languageOptions: { globals: { ...globals.node } },
	},
	{
		files: ['webview/**/*.ts'],
		languageOptions: { globals: { ...globals.browser } },
	},
	{
		files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
		languageOptions: { globals: { ...globals.node }, sourceType: 'module' },
		rules: {
			curly: 'warn',
			eqeqeq: ['warn', 'always', { null: 'ignore' }],
			'no-unused-vars': ['warn', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
		},
	},
	{
		files: ['**/*.cjs', 'bin/**/*.js'],
		languageOptions: { sourceType: 'commonjs' },
		rules: { '@typescript-eslint/no-require-imports': 'off' },
	},
);
