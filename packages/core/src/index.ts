export * from './base32.js';
export * from './check-symbol.js';
export * from './codes.js';
export * from './license-status.js';
export * from './policy.js';
export * from './term.js';
export * from './validation.js';
