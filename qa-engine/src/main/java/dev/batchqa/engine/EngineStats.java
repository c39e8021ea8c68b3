package dev.batchqa.engine;

/**
 * Cumulative counters of one {@link QaEngine}, e.g. to check that batching saves forward passes and padding.
 *
 * @param queries queries answered
 * @param windows windows (model input rows) run
 * @param forwardPasses model invocations
 * @param tokens real (non-padding) tokens fed to the model
 * @param paddedTokens batch * padded length summed over the passes, i.e. the tokens actually computed
 */
public record EngineStats(long queries, long windows, long forwardPasses, long tokens, long paddedTokens) {

    /** The counts since {@code earlier}. */
    public EngineStats minus(EngineStats earlier) {
        return new EngineStats(queries - earlier.queries, windows - earlier.windows,
                forwardPasses - earlier.forwardPasses, tokens - earlier.tokens, paddedTokens - earlier.paddedTokens);
    }
}
