/**
 * The inference endpoints the client calls, in one table: each one's path, how its inputs count toward
 * preference.maxCharsPerRequest, and the JSON body for one batch of inputs. The client builds every
 * request from here; a workload that wants the same requests can too.
 */

export interface EmbedOptions {
  model?: string;
  encodingFormat?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface RerankOptions {
  model?: string;
  returnText?: boolean;
  rawScores?: boolean;
  truncate?: boolean;
  truncationDirection?: 'Left' | 'Right';
}

export interface ClassifyOptions {
  model?: string;
  rawScores?: boolean;
  truncate?: boolean;
  truncationDirection?: 'Left' | 'Right';
}

/** One endpoint: `Args` are what its body is built from besides the inputs. */
export interface Endpoint<Args> {
  /** Below the client's base URL. */
  readonly path: string;
  /** Characters one input counts for preference.maxCharsPerRequest. */
  chars(input: string, args: Args): number;
  /** The JSON body for one batch of inputs. */
  body(inputs: string[], args: Args): Record<string, unknown>;
}

export interface Endpoints {
  /** OpenAI-style embeddings. */
  readonly embed: Endpoint<EmbedOptions>;
  /** Texts scored against a query (the query counts toward each text's characters). */
  readonly rerank: Endpoint<RerankOptions & { query: string }>;
  /** Labels and scores per input. */
  readonly classify: Endpoint<ClassifyOptions>;
}

export const ENDPOINTS: Endpoints = Object.freeze({
  embed: {
    path: '/v1/embeddings',
    chars: (input: string) => input.length,
    body: (inputs: string[], o: EmbedOptions) => ({
      input: inputs,
      ...(o.model !== undefined ? { model: o.model } : {}),
      encoding_format: o.encodingFormat ?? 'float',
      ...(o.dimensions !== undefined ? { dimensions: o.dimensions } : {}),
      ...(o.user !== undefined ? { user: o.user } : {}),
    }),
  },
  rerank: {
    path: '/rerank',
    chars: (input: string, o: { query: string }) => input.length + o.query.length,
    body: (inputs: string[], o: RerankOptions & { query: string }) => ({
      query: o.query,
      texts: inputs,
      return_text: o.returnText ?? false,
      raw_scores: o.rawScores ?? false,
      truncate: o.truncate ?? false,
      truncation_direction: o.truncationDirection ?? 'Right',
      ...(o.model !== undefined ? { model: o.model } : {}),
    }),
  },
  classify: {
    path: '/predict',
    chars: (input: string) => input.length,
    body: (inputs: string[], o: ClassifyOptions) => ({
      inputs,
      raw_scores: o.rawScores ?? false,
      truncate: o.truncate ?? false,
      truncation_direction: o.truncationDirection ?? 'Right',
      ...(o.model !== undefined ? { model: o.model } : {}),
    }),
  },
});
