package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedKeyTest {
    @TempDir
    Path dir;

    private Path keyFile(String text, String mode) throws IOException {
        Path f = dir.resolve("ha.key");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void theTrimmedTextOfAnOwnerOnlyFileIsTheKey() throws IOException {
        SharedKey key = SharedKey.read(keyFile("  0123456789abcdef\n", "rw-------"));
        assertArrayEquals("0123456789abcdef".getBytes(StandardCharsets.US_ASCII), key.bytes());
        assertEquals("SharedKey[16 bytes]", key.toString(), "the key never shows in logs");
        SharedKey.read(keyFile("0123456789abcdef", "r--------"));
    }

    @Test
    void aKeyOthersMayReadIsRefusedWithTheFixInTheMessage() throws IOException {
        Path f = keyFile("0123456789abcdef", "rw-r--r--");
        IOException e = assertThrows(IOException.class, () -> SharedKey.read(f));
        assertTrue(e.getMessage().startsWith(f + ": mode gives"), e.getMessage());
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Path g = keyFile("0123456789abcdef", "rw--w----");
        assertThrows(IOException.class, () -> SharedKey.read(g));
    }

    @Test
    void shortMissingAndOddFilesAreRefusedByName() throws IOException {
        Path shortKey = keyFile(" 0123456789abcde \n", "rw-------");
        IOException e = assertThrows(IOException.class, () -> SharedKey.read(shortKey));
        assertEquals(shortKey + ": the key is 15 bytes after trimming; at least 16 are needed", e.getMessage());
        Path missing = dir.resolve("nope");
        assertEquals(missing + ": no such file",
                assertThrows(IOException.class, () -> SharedKey.read(missing)).getMessage());
        Path sub = Files.createDirectory(dir.resolve("d"));
        assertEquals(sub + ": not a regular file",
                assertThrows(IOException.class, () -> SharedKey.read(sub)).getMessage());
        Path big = keyFile("k".repeat(5000), "rw-------");
        assertTrue(assertThrows(IOException.class, () -> SharedKey.read(big)).getMessage().contains("no key file"));
    }
}
