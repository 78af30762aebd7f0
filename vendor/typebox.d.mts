// The types of vendor/typebox.mjs (TypeBox bundled into one module: scripts/vendor-typebox.mjs) are TypeBox's own.
export { default as Type } from 'typebox';
export { Compile } from 'typebox/compile';
export { default as Value } from 'typebox/value';
