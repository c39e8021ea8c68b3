package dev.batchqa.bulk;

import java.io.Closeable;
import java.util.Iterator;

/** Items read lazily from a file or stream; read errors surface as {@link java.io.UncheckedIOException}. */
public interface ItemSource extends Iterator<InputItem>, Closeable {}
