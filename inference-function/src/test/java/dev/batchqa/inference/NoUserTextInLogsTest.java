package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import dev.batchqa.shared.testing.LogCapture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import org.junit.jupiter.params.ParameterizedTest;

/** Logs carry ids, counts and reasons, never the user's question or context. */
class NoUserTextInLogsTest {

    @ParameterizedTest
    @Event(value = "events/sqs/batch-with-poison.json", type = SQSEvent.class)
    void batchLogsHoldNoQuestionOrContextText(SQSEvent event) throws Exception {
        // at the events' SentTimestamp: the store writes (and logs) every answer
        InMemoryRequestStore store = new InMemoryRequestStore(
                Clock.fixed(java.time.Instant.ofEpochMilli(1795688130000L + 60_000), java.time.ZoneOffset.UTC));
        try (QaEngine engine = QaEngine.load(EngineOptions.builder(System.getProperty("qa.fixture.dir")));
                LogCapture logs = LogCapture.capture()) {
            InferenceHandler handler = new InferenceHandler(new BatchProcessor(engine, store,
                    new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS)),
                    new BatchMetrics(new PrintStream(OutputStream.nullOutputStream()), "test"), Clock.systemUTC()));
            store.failNextWrite(new IllegalStateException("throttled")); // an error path logs too

            handler.handleRequest(event, null);

            assertTrue(logs.lines().stream().anyMatch(l -> l.contains("good-1")), "ids are logged");
            for (String line : logs.lines()) {
                for (String secret : new String[] {"Which score", "BERT reached", "83.1", "final test", "word word"}) {
                    assertFalse(line.contains(secret), () -> "user text in a log line: " + line);
                }
            }
        }
    }
}
