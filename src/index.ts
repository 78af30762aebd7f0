/** tailgate's public API. */
export * from './engine/index.js';
