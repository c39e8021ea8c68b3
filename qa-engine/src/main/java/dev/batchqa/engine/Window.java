package dev.batchqa.engine;

/**
 * One model input row, {@code [CLS] question [SEP] context slice [SEP]}, and where its context tokens sit in the
 * original context. After the forward pass the engine stores the row's logits here.
 */
final class Window {

    final long[] ids;
    final long[] typeIds;
    /** UTF-16 offsets into the context of each token; -1 for question, special and padding tokens. */
    final int[] charStart;
    final int[] charEnd;
    float[] startLogits;
    float[] endLogits;

    Window(long[] ids, long[] typeIds, int[] charStart, int[] charEnd) {
        this.ids = ids;
        this.typeIds = typeIds;
        this.charStart = charStart;
        this.charEnd = charEnd;
    }

    int length() {
        return ids.length;
    }

    /** A position an answer may start or end at: a context token (not [SEP], question or padding). */
    boolean isContext(int position) {
        return charStart[position] >= 0;
    }
}
