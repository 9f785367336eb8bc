/** `npm run test:browser`: the demo page driven in headless Chromium (test/browser), apart from `npm test`. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/browser'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 240000 };
