/**
 * Small shared helpers: errors, seeded randomness, hashing, files.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./rng.ts";
export * from "./hash.ts";
export * from "./fs.ts";
export * from "./paths.ts";
export * from "./validate.ts";
export * from "./lines.ts";
