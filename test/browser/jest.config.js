/**
 * The browser tests: the sample app's console and Swagger UI in Debian's Chromium, driven by playwright-core.
 * `npm run test:browser` (or `bash scripts/ci-browser.sh`, which installs Chromium first). Not part of `npm test`.
 */
const path = require('node:path');

const rootDir = path.resolve(__dirname, '..', '..');

module.exports = {
  rootDir,
  displayName: 'browser',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(rootDir, 'tsconfig.json') }] },
  // The sample app imports the package by name, as a host would; in tests that name is the source.
  moduleNameMapper: {
    '^nestjs-miniprogram-api$': '<rootDir>/lib/index.ts',
    '^nestjs-miniprogram-api/testing$': '<rootDir>/lib/testing/index.ts',
  },
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 120000,
};
