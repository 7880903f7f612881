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

    /** Between plan and change the file is compared again; one changed meanwhile is not the file the plan was made for. */
    @Test
    void aFileThatChangedSinceThePlanIsNotTouched() throws IOException {
        Path conf = dir.resolve("95-realserver-setup.conf");
        Files.writeString(conf, "changed by someone else\n");
        FileContent planned = new FileContent.Text(BootFileText.HEADER + "as planned\n");
        SetupException delete = assertThrows(SetupException.class,
                () -> perform(new Change.WriteFile(conf, planned, FileContent.ABSENT, "test")));
        assertTrue(delete.getMessage().startsWith(conf + " changed since the plan was made"), delete.getMessage());
        assertThrows(SetupException.class, () -> perform(new Change.WriteFile(conf, planned, new FileContent.Text("new\n"), "test")));
        assertThrows(SetupException.class, () -> perform(new Change.WriteFile(conf, FileContent.ABSENT, new FileContent.Text("new\n"), "test")));
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
}
