package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.ingest.jobs.JobKicks;
import dev.batchqa.ingest.jobs.JobLines;
import dev.batchqa.ingest.jobs.LineOutcome;
import dev.batchqa.shared.model.QaStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the completion path tells a job's line from any question, and how a line's record reads as its outcome. */
class JobProgressTest {
    @Test
    void aJobLinesIdNamesItsJobAndLineAndNothingElseParses() {
        String job = JobLines.newJobId();
        assertTrue(JobLines.isJobId(job), job);
        assertEquals(Optional.of(new JobLines.Line(job, 50_000)), JobLines.parse(JobLines.questionId(job, 50_000)));
        for (String other : new String[] {"3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102", job, job + "_0", job + "_01",
                job + "_50001", job.toUpperCase() + "_1", job + "_1_2", "bulk-0007"}) {
            assertEquals(Optional.empty(), JobLines.parse(other), other);
        }
        assertTrue(!JobLines.newJobId().equals(JobLines.newJobId()));
    }

    @Test
    void aRecordEndedByTheJobReadsAsCancelledOrExpiredAndAnAnswerAsDone() {
        assertEquals(LineOutcome.DONE, LineOutcome.of(QaStatus.DONE, null));
        assertEquals(LineOutcome.FAILED, LineOutcome.of(QaStatus.FAILED, "TOO_MANY_WINDOWS"));
        assertEquals(LineOutcome.CANCELLED, LineOutcome.of(QaStatus.FAILED, LineOutcome.CANCELLED_CODE));
        assertEquals(LineOutcome.EXPIRED, LineOutcome.of(QaStatus.FAILED, LineOutcome.EXPIRED_CODE));
        assertEquals(LineOutcome.CANCELLED, LineOutcome.of(QaStatus.CANCELLED, null), "a DELETE /qa of a line");
        assertEquals(null, LineOutcome.of(QaStatus.PENDING, null));
        assertEquals(null, LineOutcome.of(QaStatus.DELETED, null));
    }

    @Test
    void aKickNamesItsJobAndNoOtherKeyDoes() {
        String job = JobLines.newJobId();
        assertEquals(Optional.of(job), JobKicks.jobOf("kicks/" + job + "/0123456789abcdef"));
        assertEquals(Optional.empty(), JobKicks.jobOf("jobs/" + job + "/input.jsonl"));
        assertEquals(Optional.empty(), JobKicks.jobOf("kicks/" + job + "/../x"));
        assertEquals(Optional.empty(), JobKicks.jobOf(null));
    }
}
