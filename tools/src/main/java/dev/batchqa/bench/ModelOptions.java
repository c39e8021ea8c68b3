package dev.batchqa.bench;

import dev.batchqa.engine.EngineOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model options every benchmark takes ({@code @Mixin}): which model, which TorchScript file, how many threads. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "model directory")
    Path model;
    @Option(names = "--model-file", paramLabel = "FILE", description = "TorchScript file, e.g. model-int8.pt")
    String modelFile;
    @Option(names = "--threads", paramLabel = "N", description = "engine threads (default: available processors)")
    Integer threads;

    /** The engine options these name; every other value from the model's config.json. */
    EngineOptions.Builder engineOptions() {
        EngineOptions.Builder o = EngineOptions.builder(model.toString());
        if (modelFile != null) o = o.withModelFile(modelFile);
        if (threads != null) o = o.withThreads(threads);
        return o;
    }
}
