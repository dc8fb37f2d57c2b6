// @ts-check
// `npm run lint`. Type-aware: every rule below that names a Promise, a type or a union reads the
// types of tsconfig.json (projectService), so it sees what tsc sees.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'helm/**', 'test/fixtures/**', 'test/golden/**'] },
  {
    // The directories tsconfig.json includes: the type-aware rules need the files in its project.
    files: ['{src,test,bench,dashboards}/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's test()/describe()/it() return Promises the runner itself awaits; any other
      // Promise left unawaited is a lost rejection (the guard fails the file for it).
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
        },
      ],
      // A switch over a union without `default` must name every member: a new daemon kind, error
      // code or frame type then fails lint where it is not handled. A `default` is a deliberate "the rest".
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }],
      // `return promise` inside try/catch skips the catch; await it there.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // A literal or a made-up object passed to reject() is the bug; forwarding a caught error or an
      // abort signal's reason (typed unknown/any) is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // House style: `async` marks a function's contract (it returns a Promise and a throw becomes a
      // rejection) — fastify handlers and fakes of async interfaces need no await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Rendered Kubernetes objects are walked field by field as `any` (helm.ts `Obj`, deliberate:
    // kubernetes-models validates each object against its schema, so the walk needs no types).
    files: ['test/helm/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
