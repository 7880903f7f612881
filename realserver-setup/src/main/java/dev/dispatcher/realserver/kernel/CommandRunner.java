package dev.dispatcher.realserver.kernel;

import java.util.List;

/** Runs an external program; an interface so planning and rollback can be tested without one. */
public interface CommandRunner {

    Result run(List<String> argv);

    /** Exit status and both output streams of one finished command. */
    record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The first non-blank line of stderr (else stdout), for one-line error messages. */
        public String firstErrorLine() {
            for (String text : List.of(stderr, stdout)) {
                for (String line : text.split("\n")) {
                    if (!line.isBlank()) {
                        return line.strip();
                    }
                }
            }
            return "exit status " + exitCode;
        }
    }
}
