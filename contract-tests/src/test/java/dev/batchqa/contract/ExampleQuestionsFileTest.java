package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.batchqa.bulk.InputFiles;
import dev.batchqa.bulk.InputItem;
import dev.batchqa.bulk.ItemSource;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * examples/questions.jsonl, the file the README's bulk example names: scripts/bulk-submit reads every line, and
 * every message it would send from it is valid SQS message schema v1 and passes the inference side's reader.
 */
class ExampleQuestionsFileTest {
    @Test
    void bulkSubmitReadsEveryLineAsASchemaV1Message() throws Exception {
        Path file = Contract.repoRoot().resolve("examples/questions.jsonl");
        MessageCodec codec = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
        int n = 0;
        try (ItemSource items = InputFiles.open(file, InputFiles.detect(file), null)) {
            while (items.hasNext()) {
                InputItem item = items.next();
                assertNull(item.error(), item.where());
                String body = codec.encode(item.message());
                assertEquals(List.of(), Contract.get().checkMessage(body), item.where());
                codec.decode(body, "sqs-" + n); // throws if the reader refuses it
                n++;
            }
        }
        assertEquals(5, n);
    }
}
