package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.files.AtomicFiles;
import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.kernel.ProcSys;
import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link HostOperations} on the real kernel and file system. */
public final class LiveHost implements HostOperations {
    private final ProcSys procSys;
    private final IpTool ip;

    public LiveHost(ProcSys procSys, IpTool ip) {
        this.procSys = procSys;
        this.ip = ip;
    }

    @Override
    public void perform(Change change) {
        switch (change) {
            case Change.SetSysctl s -> procSys.write(s.key(), s.to());
            case Change.AddAddress a -> ip.add(a.address());
            case Change.DeleteAddress d -> ip.delete(d.address());
            case Change.WriteFile f -> {
                // The plan checked that the file is apply's own; checked again here, so a file
                // replaced in between (by a person, a package, another run) is not the one touched.
                if (!FileContent.read(f.path()).equals(f.before())) {
                    throw new SetupException(f.path() + " changed since the plan was made; left as it is");
                }
                write(f.path(), f.after());
            }
        }
    }

    private static void write(Path path, FileContent content) {
        try {
            switch (content) {
                case FileContent.Absent a -> AtomicFiles.delete(path);
                case FileContent.Text t -> {
                    Files.createDirectories(path.toAbsolutePath().getParent());
                    AtomicFiles.replace(path, t.text().getBytes(StandardCharsets.UTF_8));
                }
                case FileContent.Symlink l -> {
                    Files.createDirectories(path.toAbsolutePath().getParent());
                    AtomicFiles.link(path, Path.of(l.target()));
                }
            }
        } catch (IOException ex) {
            throw new SetupException("cannot write " + path + ": " + ex, ex);
        }
    }
}
