/**
 * Bulk submission straight to SQS (message schema v1) and answer collection from DynamoDB.
 *
 * <p>{@link dev.batchqa.bulk.BulkSubmit} is the command line; {@link dev.batchqa.bulk.BulkSubmitter} (validate,
 * batch into SendMessageBatch calls of at most 10 entries and 256 KiB, send concurrently, retry failed entries)
 * and {@link dev.batchqa.bulk.AnswerCollector} (BatchGetItem until every id is DONE or FAILED) are the library
 * the command line and the load test share. {@link dev.batchqa.bulk.InputFiles} reads JSONL and SQuAD files.
 */
package dev.batchqa.bulk;
