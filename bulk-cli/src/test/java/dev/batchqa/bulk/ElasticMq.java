package dev.batchqa.bulk;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** A real SQS API for the tests: ElasticMQ in this JVM, on a free loopback port. */
final class ElasticMq implements AutoCloseable {
    private final SQSRestServer server;
    final URI endpoint;
    final SqsClient sqs;

    ElasticMq() {
        server = SQSRestServerBuilder.withDynamicPort().withInterface("127.0.0.1").withAWSRegion("us-east-1").start();
        endpoint = URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
        sqs = SqsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    String newQueue() {
        return sqs.createQueue(r -> r.queueName("bulk-" + UUID.randomUUID().toString().substring(0, 8))).queueUrl();
    }

    /** Every message on the queue (each received once; the visibility timeout outlasts a test). */
    List<Message> drain(String queueUrl, int expected) {
        List<Message> all = new ArrayList<>();
        int empty = 0;
        while (empty < 2 && all.size() < expected + 10) {
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(
                    all.size() >= expected ? 0 : 1)).messages();
            if (got.isEmpty()) {
                empty++;
            } else {
                empty = 0;
                all.addAll(got);
            }
            if (all.size() >= expected && got.isEmpty()) break;
        }
        return all;
    }

    @Override
    public void close() {
        sqs.close();
        server.stopAndWait();
    }
}
