package dev.batchqa.local;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The end-to-end contract against whatever SQS and DynamoDB the standard {@code AWS_ENDPOINT_URL},
 * {@code AWS_ENDPOINT_URL_SQS} and {@code AWS_ENDPOINT_URL_DYNAMODB} variables name (LocalStack, or another
 * emulator), with credentials and region from the usual AWS variables. Runs only when one of them is set; it
 * creates its own uniquely named queue, dead-letter queue and table there.
 */
@EnabledIf("endpointConfigured")
class EndpointPipelineTest extends PipelineContract {

    static boolean endpointConfigured() {
        return Stream.of("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_DYNAMODB")
                .map(System::getenv)
                .anyMatch(v -> v != null && !v.isBlank());
    }

    @Override
    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(baseEnvironment());
        return env;
    }
}
