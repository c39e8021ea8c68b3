package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model file whose attention is libtorch's {@code scaled_dot_product_attention}, made the way
 * {@code model/export_quantized.py} makes the fused MiniLM exports (a placeholder op renamed in the saved TorchScript):
 * the fixture's {@code fused.pt} must load in DJL's libtorch and answer as the written-out attention of
 * {@code model.pt} does. The fixture's attention moves every logit by ~1e-2 when a padded token is attended to, so
 * a fused kernel that ignored the additive mask would fail here, in the padded multi-window passes.
 */
class FusedAttentionTest {

    @Test
    void fusedAttentionAnswersAsTheWrittenOutOneInPaddedPasses() {
        List<QaQuery> queries = BatchingTest.mixedQueries();
        try (QaEngine writtenOut = Fixture.load(Fixture.config().withPadToMultipleOf(1));
                QaEngine fused = Fixture.load(Fixture.config().withModelFile("fused.pt"))) {
            assertEquals("fused.pt", fused.options().modelFile());
            BatchingTest.assertSameResults(writtenOut.answerAll(queries), fused.answerAll(queries));
            EngineStats stats = fused.stats();
            assertTrue(stats.paddedTokens() > stats.tokens() && stats.forwardPasses() < stats.windows(),
                    "several windows a pass, padded: " + stats);
            for (QaQuery q : queries.subList(0, 4)) { // and alone, one window a pass
                BatchingTest.assertSameResults(List.of(writtenOut.answer(q)), List.of(fused.answer(q)));
            }
        }
    }
}
