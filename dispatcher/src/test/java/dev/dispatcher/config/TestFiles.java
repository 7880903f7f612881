package dev.dispatcher.config;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Test resources under {@code src/test/resources/config/} as files. */
final class TestFiles {
    private TestFiles() {
    }

    static Path resource(String name) {
        URL url = TestFiles.class.getResource("/config/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource config/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
