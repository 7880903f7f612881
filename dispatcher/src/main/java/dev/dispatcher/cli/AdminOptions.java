package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the admin API is and where its token is: the options every admin command shares. */
final class AdminOptions {
    @Option(names = "--admin", defaultValue = "127.0.0.1:9100", paramLabel = "HOST:PORT",
            converter = Converters.AdminAddress.class,
            description = "The dispatcher's admin API (its admin.listen). Default: ${DEFAULT-VALUE}.")
    Converters.HostPort admin;

    @Option(names = "--token-file", defaultValue = "/etc/dispatcher/admin.token", paramLabel = "FILE",
            description = "File holding the admin token (the dispatcher's admin.token-file); needed only for changes. "
                    + "Default: ${DEFAULT-VALUE}.")
    Path tokenFile;

    /** A client that sends the token, read now, when {@code change}; without one otherwise. */
    AdminClient client(boolean change) throws CliFailure {
        return new AdminClient(admin.host(), admin.port(), change ? readToken() : null, AdminClient.DEFAULT_TIMEOUT);
    }

    private String readToken() throws CliFailure {
        String needs = "this change needs the admin token, but ";
        String hint = "; pass --token-file FILE (the dispatcher's admin.token-file)";
        String token;
        try {
            token = Files.readString(tokenFile).strip();
        } catch (NoSuchFileException e) {
            throw new CliFailure(needs + tokenFile + " does not exist" + hint);
        } catch (AccessDeniedException e) {
            throw new CliFailure(needs + "reading " + tokenFile + " is not permitted (run as its owner, or with sudo)");
        } catch (CharacterCodingException e) {
            throw new CliFailure(needs + tokenFile + " is not UTF-8 text" + hint);
        } catch (IOException e) {
            throw new CliFailure(needs + tokenFile + " cannot be read (" + e.getMessage() + ")" + hint);
        }
        if (token.isEmpty()) {
            throw new CliFailure(needs + tokenFile + " is empty" + hint);
        }
        return token;
    }
}
