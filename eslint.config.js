import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    // Layering: the query language is a leaf package; the server depends on it, never the reverse.
    files: ['packages/query/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@beacon/server', '@beacon/server/*', '**/server/**'], message: 'packages/query must not depend on the server' }] }] },
  },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
)
