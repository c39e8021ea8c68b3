package dev.batchqa.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Pair;
import dev.batchqa.engine.EngineStats;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The multiply-adds of a BERT-style span model, counted from its fp32 TorchScript file's weights: every
 * two-dimensional weight except the embeddings is a Linear run once per token (2 FLOP per weight and token), and each
 * attention layer (counted by its {@code query} weight, whose rows are the attention width) adds
 * {@code 4 x width x length} FLOP per token for the two products with the scores.
 *
 * <pre>{@code
 * ModelFlops flops = ModelFlops.of(dir.resolve("model.pt"));
 * double gflop = flops.of(engine.stats()) / 1e9;
 * }</pre>
 *
 * <p>An estimate: element-wise work (GELU, softmax, norms) is left out, and the attention term takes each pass as
 * long as the mean padded window ({@link EngineStats} keeps totals, not lengths).
 *
 * @param linearPerToken FLOP of the Linears per token
 * @param attentionPerTokenAndPosition FLOP of the attention products per token and per position attended to
 */
public record ModelFlops(double linearPerToken, double attentionPerTokenAndPosition) {

    public static ModelFlops of(Path modelFile) throws Exception {
        String name = modelFile.getFileName().toString().replaceFirst("\\.pt$", "");
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch").optTranslator(new NoopTranslator()).optOption("mapLocation", "true")
                .optModelPath(modelFile.getParent()).optModelName(name).build();
        double linear = 0;
        double attention = 0;
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                String key = p.getKey().toLowerCase(Locale.ROOT);
                Shape shape = p.getValue().getArray().getShape();
                if (shape.dimension() != 2 || key.contains("embedding")) continue;
                linear += 2.0 * shape.get(0) * shape.get(1);
                if (key.contains("query") && key.endsWith("weight")) attention += 4.0 * shape.get(0);
            }
        }
        return new ModelFlops(linear, attention);
    }

    /** Estimated FLOP of the passes counted in {@code s}. */
    public double of(EngineStats s) {
        double meanLength = s.windows() == 0 ? 0 : (double) s.paddedTokens() / s.windows();
        return s.paddedTokens() * (linearPerToken + attentionPerTokenAndPosition * meanLength);
    }
}
