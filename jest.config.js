/** Jest runs the unit specs beside the code and the end-to-end specs in test/. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
// The sample app imports the package by name, as a host would; in tests that name is the source.
const moduleNameMapper = {
  '^nestjs-miniprogram-api$': '<rootDir>/lib/index.ts',
  '^nestjs-miniprogram-api/testing$': '<rootDir>/lib/testing/index.ts',
};
const common = { testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], transform, moduleNameMapper };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // After each file: no secret in anything the apps logged (test/utils/log-guard.ts).
      setupFilesAfterEnv: ['<rootDir>/test/utils/log-guard.setup.ts'],
    },
    // Needs Redis (and, for the multi-instance tests, PostgreSQL): `npm run test:services`.
    { ...common, displayName: 'services', rootDir: '.', testMatch: ['<rootDir>/test/services/**/*.services-spec.ts'] },
  ],
};
