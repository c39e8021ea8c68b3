package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibtorchPreloadTest {

    @Test
    void withoutALibraryPathNothingIsLoaded() {
        assertEquals(-1, LibtorchPreload.start(null).millis());
        assertEquals(-1, LibtorchPreload.start(" ").millis());
    }

    @Test
    void aDirectoryWithoutLibtorchIsLeftToDjl(@TempDir Path dir) throws Exception {
        assertEquals(-1, LibtorchPreload.start(dir.toString()).millis());
    }

    @Test
    void aFileThatIsNoLibraryFailsQuietly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("libtorch.so"), "not an ELF file");
        LibtorchPreload preload = LibtorchPreload.start(dir.toString());
        Thread.sleep(200); // the load runs (and fails) on its own thread
        assertEquals(-1, preload.millis(), "a failed load reports no time; DJL's own load reports the error");
    }
}
