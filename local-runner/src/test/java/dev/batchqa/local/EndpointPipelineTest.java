package dev.batchqa.local;

import java.util.Map;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The end-to-end contract against whatever SQS and DynamoDB the standard {@code AWS_ENDPOINT_URL} variables
 * name (LocalStack, or another emulator), with credentials and region from the usual AWS variables. Runs only
 * when {@code AWS_ENDPOINT_URL} is set.
 */
@EnabledIfEnvironmentVariable(named = "AWS_ENDPOINT_URL", matches = ".+")
class EndpointPipelineTest extends PipelineContract {
    @Override
    Map<String, String> environment() {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.putAll(baseEnvironment());
        return env;
    }
}
