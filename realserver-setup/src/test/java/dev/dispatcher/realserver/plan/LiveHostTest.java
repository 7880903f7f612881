package dev.dispatcher.realserver.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file half of {@link LiveHost}: what it writes, deletes and links, on a temporary directory. */
class LiveHostTest {
    @TempDir
    Path dir;

    private static void perform(Change change) {
        new LiveHost(null, null).perform(change);
    }

    /**
     * Between plan and change the file is compared again; one changed meanwhile is not the file the plan was made for.
     */
    @Test
    void aFileThatChangedSinceThePlanIsNotTouched() throws IOException {
        Path conf = dir.resolve("95-realserver-setup.conf");
        Files.writeString(conf, "changed by someone else\n");
        FileContent planned = new FileContent.Text(BootFileText.HEADER + "as planned\n");
        SetupException delete = assertThrows(SetupException.class,
                () -> perform(new Change.WriteFile(conf, planned, FileContent.ABSENT, "test")));
        assertTrue(delete.getMessage().startsWith(conf + " changed since the plan was made"), delete.getMessage());
        assertThrows(SetupException.class,
                () -> perform(new Change.WriteFile(conf, planned, new FileContent.Text("new\n"), "test")));
        assertThrows(SetupException.class,
                () -> perform(new Change.WriteFile(conf, FileContent.ABSENT, new FileContent.Text("new\n"), "test")));
        assertEquals("changed by someone else\n", Files.readString(conf));
    }

    @Test
    void writesRewritesLinksAndDeletes() throws IOException {
        Path conf = dir.resolve("sysctl.d/95-realserver-setup.conf");
        Path link = dir.resolve("wants/realserver-setup.service");
        FileContent first = new FileContent.Text("first\n");
        FileContent second = new FileContent.Text("second\n");
        FileContent linked = new FileContent.Symlink(conf.toString());
        perform(new Change.WriteFile(conf, FileContent.ABSENT, first, "test"));
        perform(new Change.WriteFile(conf, first, second, "test"));
        perform(new Change.WriteFile(link, FileContent.ABSENT, linked, "test"));
        assertEquals("second\n", Files.readString(conf));
        assertEquals(conf, Files.readSymbolicLink(link));
        perform(new Change.WriteFile(link, linked, FileContent.ABSENT, "test"));
        perform(new Change.WriteFile(conf, second, FileContent.ABSENT, "test"));
        assertEquals(0, entries(dir.resolve("sysctl.d")) + entries(dir.resolve("wants")), "no temporaries left");
    }

    private static long entries(Path directory) throws IOException {
        try (var list = Files.list(directory)) {
            return list.count();
        }
    }

    @Test
    void aPlantedTemporarySymlinkIsNotFollowed() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Path conf = Files.createDirectories(dir.resolve("sysctl.d")).resolve("95-realserver-setup.conf");
        // Where the first release put its temporary file.
        Files.createSymbolicLink(conf.resolveSibling(conf.getFileName() + ".realserver-setup.tmp"), victim);
        perform(new Change.WriteFile(conf, FileContent.ABSENT, new FileContent.Text("ours\n"), "test"));
        assertEquals("precious\n", Files.readString(victim));
        assertEquals("ours\n", Files.readString(conf));
    }

    @Test
    void aBootFileThatIsADirectoryOrAFifoIsNotRead() throws IOException, InterruptedException {
        Path directory = Files.createDirectories(dir.resolve("95-realserver-setup.conf"));
        SetupException ex = assertThrows(SetupException.class, () -> FileContent.read(directory));
        assertTrue(ex.getMessage().startsWith(directory + " is a directory"), ex.getMessage());
        Path fifo = dir.resolve("realserver-setup.service");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // Reading a FIFO would block until someone writes to it.
        assertThrows(SetupException.class, () -> FileContent.read(fifo));
    }

    @Test
    void aBootFileTooLargeToBeOursIsNotReadIntoMemory() throws IOException {
        Path big = dir.resolve("95-realserver-setup.conf");
        try (var out = Files.newOutputStream(big)) {
            out.write(new byte[FileContent.MAX_BYTES + 1]);
        }
        SetupException ex = assertThrows(SetupException.class, () -> FileContent.read(big));
        assertTrue(ex.getMessage().contains("larger than"), ex.getMessage());
    }
}
