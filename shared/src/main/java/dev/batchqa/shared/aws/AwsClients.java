package dev.batchqa.shared.aws;

import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients as Lambda wants them: the URL-connection HTTP client (no pool threads, quick to load). Region,
 * credentials and endpoints come from the SDK's default chains, so {@code AWS_REGION} and
 * {@code AWS_ENDPOINT_URL[_SQS|_DYNAMODB]} work as everywhere else in the AWS ecosystem.
 */
public final class AwsClients {
    private AwsClients() {}

    public static DynamoDbClient dynamoDb() {
        return DynamoDbClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    public static SqsClient sqs() {
        return SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }
}
