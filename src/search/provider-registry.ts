import { LocusError } from "../domain/errors.js";
import type { EmbeddingProvider } from "./embedding-provider.js";
import { HashEmbeddingProvider } from "./hash-embedding-provider.js";
import { HttpEmbeddingProvider } from "./http-embedding-provider.js";
import { LocalEmbeddingProvider } from "./local-embedding-provider.js";

// Section 9: one provider per configuration and process, so the local model (30 MB, ~150 ms to load) is
// loaded once however many searches and index runs follow.

/** The `search` section of the workspace config that chooses the provider. */
export interface ProviderConfig {
  readonly provider: "local" | "http" | "hash";
  readonly url?: string | undefined;
  readonly model?: string | undefined;
  readonly api_key_env?: string | undefined;
  readonly dimensions?: number | undefined;
}

const providers = new Map<string, EmbeddingProvider>();

/** The provider of a configuration, created on first use and then shared. */
export function embeddingProviderFor(config: ProviderConfig): EmbeddingProvider {
  const key = JSON.stringify([
    config.provider,
    config.url,
    config.model,
    config.api_key_env,
    config.dimensions,
  ]);
  let provider = providers.get(key);
  if (provider === undefined) {
    provider = createProvider(config);
    providers.set(key, provider);
  }
  return provider;
}

function createProvider(config: ProviderConfig): EmbeddingProvider {
  switch (config.provider) {
    case "local":
      return new LocalEmbeddingProvider();
    case "hash":
      // For benchmarks and tests only: fast and deterministic, but it knows no synonyms.
      return new HashEmbeddingProvider(config.dimensions ?? 512);
    case "http":
      if (config.url === undefined) {
        throw new LocusError("HSK-400-INVALID-PARAMS", "search.provider http needs search.url", {
          field: "config.search.url",
        });
      }
      return new HttpEmbeddingProvider({
        url: config.url,
        ...(config.model !== undefined ? { model: config.model } : {}),
        ...(config.api_key_env !== undefined ? { apiKeyEnv: config.api_key_env } : {}),
        ...(config.dimensions !== undefined ? { dimensions: config.dimensions } : {}),
      });
  }
}
