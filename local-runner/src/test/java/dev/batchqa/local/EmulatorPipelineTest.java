package dev.batchqa.local;

import java.util.Map;

/** The end-to-end contract against ElasticMQ (in-process) and dynalite (a Node child process). */
class EmulatorPipelineTest extends PipelineContract {
    @Override
    Map<String, String> environment() {
        return baseEnvironment();
    }
}
