/**
 * Types for the spellings of names that the runtime accepts. Lookups (NameRegistry) ignore case and
 * '_', so infinitely many strings work at runtime; the types list the ones code is likely to hold —
 * backprop's camelCase, Keras' snake_case and, where Keras and TF.js name classes, the class name —
 * so that a typo ('categoricalCrossentropyy') fails to compile instead of at run time.
 */

/** 'categoricalCrossentropy' → 'categorical_crossentropy' (digits and lower case kept as they are). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/** A name as backprop writes it and as Keras' functions do ('meanSquaredError', 'mean_squared_error'). */
export type CamelOrSnake<N extends string> = N | SnakeCase<N>;

/** …and as Keras / TF.js classes are named ('MeanSquaredError'). */
export type KerasSpellings<N extends string> = CamelOrSnake<N> | Capitalize<N>;
