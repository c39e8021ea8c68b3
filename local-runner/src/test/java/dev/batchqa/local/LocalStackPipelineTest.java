package dev.batchqa.local;

import java.util.Map;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The end-to-end contract against LocalStack. Needs a Docker engine: where none runs (as on the project's
 * build machines) JUnit reports this class as skipped, for that reason only.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackPipelineTest extends PipelineContract {
    @Container
    static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4")).withServices("sqs", "dynamodb", "s3");

    @Override
    Map<String, String> environment() {
        Map<String, String> env = baseEnvironment();
        env.put("AWS_ENDPOINT_URL", LOCALSTACK.getEndpoint().toString());
        env.put("AWS_REGION", LOCALSTACK.getRegion());
        env.put("AWS_ACCESS_KEY_ID", LOCALSTACK.getAccessKey());
        env.put("AWS_SECRET_ACCESS_KEY", LOCALSTACK.getSecretKey());
        return env;
    }
}
