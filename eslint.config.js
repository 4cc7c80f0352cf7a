import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The CLI (and later the web UI) reach the daemon only through the typed client:
// they may import core types and the client, never the daemon's insides.
const daemonInsides = ['state', 'daemon', 'reconciler', 'drivers', 'api', 'catalog', 'deploy', 'specs'];
const boundary = {
  patterns: [
    {
      group: daemonInsides.flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]),
      message: 'The CLI talks to the daemon only through src/client (and may use src/core types).',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/client/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', boundary] },
  },
);
