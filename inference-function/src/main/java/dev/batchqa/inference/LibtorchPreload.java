package dev.batchqa.inference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maps libtorch into the process ({@code dlopen} of {@code $PYTORCH_LIBRARY_PATH/libtorch.so}, which pulls in
 * {@code libtorch_cpu.so}, {@code libc10.so} and libgomp through their {@code $ORIGIN} run path) on a thread of its
 * own, while the init thread is still busy starting the logging framework (~0.7 s of CPU at C1). The mapping and
 * libtorch's static initialisers (thousands of operator registrations) are ~0.4 s of CPU that no Java code waits
 * on until DJL loads the engine; DJL's own {@code System.load} of the same files then finds them loaded (the JDK
 * keeps one load per file and class loader, and blocks a second caller until the first is done).
 *
 * <p>Best effort: any failure is kept quiet here, and DJL's load reports it properly. It logs nothing, on purpose:
 * the first logger call would start the logging framework on this thread instead of overlapping it.
 *
 * <pre>{@code
 * static final LibtorchPreload PRELOAD = LibtorchPreload.start(System.getenv("PYTORCH_LIBRARY_PATH"));
 * }</pre>
 */
final class LibtorchPreload {
    private final AtomicLong millis = new AtomicLong(-1);

    private LibtorchPreload() {}

    /** Starts the preload if {@code libraryPath} holds a libtorch.so; otherwise does nothing. */
    static LibtorchPreload start(String libraryPath) {
        LibtorchPreload preload = new LibtorchPreload();
        if (libraryPath == null || libraryPath.isBlank()) return preload;
        Path lib = Path.of(libraryPath, "libtorch.so").toAbsolutePath();
        if (!Files.isRegularFile(lib)) return preload;
        Thread.ofPlatform().daemon().name("init-libtorch").start(() -> {
            long t0 = System.nanoTime();
            try {
                System.load(lib.toString());
                preload.millis.set((System.nanoTime() - t0) / 1_000_000);
            } catch (Throwable ignored) {
                // DJL loads it again and reports what is wrong
            }
        });
        return preload;
    }

    /** How long the dlopen took, or -1 if it did not run, failed or has not finished. */
    long millis() {
        return millis.get();
    }
}
